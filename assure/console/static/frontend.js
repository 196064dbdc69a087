// Starts GOV.UK Frontend's components on the page (a file, not inline: see js-enabled.js).
import { initAll } from '/console/assets/govuk-frontend.min.js'
initAll()
