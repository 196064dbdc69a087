// GOV.UK Frontend's first script, as a file: the console's Content-Security-Policy runs no
// inline script. It runs at the top of <body>, before anything is drawn, so components
// styled for JavaScript never flash in their no-script form.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
