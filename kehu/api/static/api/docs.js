// Start Swagger UI on the API docs page. Requests sent with "Try it out" use the signed-in
// session, so unsafe methods carry the page's CSRF token.
(function () {
  "use strict";
  var page = document.body.dataset;
  window.SwaggerUIBundle({
    url: page.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default validator badge fetches from validator.swagger.io; Kehu calls no outside host.
    validatorUrl: null,
    requestInterceptor: function (request) {
      if (page.csrfToken) {
        request.headers["X-CSRFToken"] = page.csrfToken;
      }
      return request;
    },
  });
})();
