// Starts Swagger UI on /docs from the page's data attributes: a file, not an inline script,
// so the page runs under the same Content-Security-Policy as the console.
(function () {
  var root = document.getElementById('swagger-ui')
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: window.location.origin + root.dataset.oauth2RedirectUrl,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: 'BaseLayout'
  })
})()
