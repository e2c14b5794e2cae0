from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerKind(models.TextChoices):
    COMPANY = "company", pgettext_lazy("customer kind", "Company")
    INDIVIDUAL = "individual", _("Individual")


class Industry(models.TextChoices):
    IT = "it", _("IT and software")
    FINANCE = "finance", _("Finance")
    REAL_ESTATE = "real_estate", _("Real estate")
    BUSINESS_SERVICES = "business_services", _("Business services")
    LOGISTICS = "logistics", _("Transport and logistics")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail and wholesale")
    GOVERNMENT = "government", _("Government and public sector")
    MEDIA = "media", _("Culture and media")
    EDUCATION = "education", _("Education")
    HEALTHCARE = "healthcare", _("Healthcare")
    CONSTRUCTION = "construction", _("Construction")
    FOOD = "food", _("Food and catering")
    AGRICULTURE = "agriculture", _("Agriculture")
    ENERGY = "energy", _("Energy")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    MICRO = "1-20", _("1-20 employees")
    SMALL = "21-100", _("21-100 employees")
    MEDIUM = "101-500", _("101-500 employees")
    LARGE = "501-1000", _("501-1000 employees")
    ENTERPRISE = "1000+", _("More than 1000 employees")


class Grade(models.TextChoices):
    A = "A", _("A (key customer)")
    B = "B", _("B (regular customer)")
    C = "C", _("C (low priority)")
    D = "D", _("D (unqualified)")


class LeadSource(models.TextChoices):
    PROMOTION = "promotion", _("Promotion")
    SEARCH = "search", _("Search engine")
    ADVERTISING = "advertising", _("Advertising")
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website sign-up")
    INQUIRY = "inquiry", _("Online inquiry")
    VISIT = "visit", _("Walk-in visit")
    COLD_CALL = "cold_call", _("Cold call")
    PHONE = "phone", _("Phone inquiry")
    EMAIL = "email", _("Email inquiry")
    EXHIBITION = "exhibition", _("Trade show")
    OTHER = "other", _("Other")


class CustomerStatus(models.TextChoices):
    LEAD = "lead", _("Potential")
    FOLLOWING = "following", _("Following up")
    WON = "won", _("Signed")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    PURCHASER = "purchaser", _("Purchaser")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    OTHER = "other", _("Other")
