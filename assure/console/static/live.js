// Parts of a page that keep themselves current (the approvals queue, the inbox): an element
// with data-live-src is fetched again every data-live-every seconds (default 5) and replaced
// when its content changed. The element is an aria-live="polite" region, so a screen reader
// hears the change without losing its place; focus never moves.
(function () {
  function refresh (region) {
    fetch(region.dataset.liveSrc, { credentials: 'same-origin', headers: { 'X-Live': '1' } })
      // A redirect is the sign-in page (the session ended): never put a page in the region.
      .then(function (answer) { return answer.ok && !answer.redirected ? answer.text() : null })
      .then(function (html) {
        if (html === null || html === region.liveHtml) return
        var first = region.liveHtml === undefined
        region.liveHtml = html
        // The first answer is compared with the page as the browser wrote it back
        // (novalidate="", quotes...) without GOV.UK Frontend's marks of its components
        // started; later ones with the answer before. An unchanged list is left alone, so
        // nothing typed into it is lost.
        var parsed = document.createElement('template')
        parsed.innerHTML = html
        var shown = region.innerHTML.replace(/ data-govuk-[a-z-]+-init=""/g, '')
        if (!first || parsed.innerHTML !== shown) {
          region.innerHTML = html
          region.dataset.liveUpdated = String(Date.now())
        }
      })
      .catch(function () { /* the next round tries again */ })
  }
  document.querySelectorAll('[data-live-src]').forEach(function (region) {
    var every = (parseFloat(region.dataset.liveEvery) || 5) * 1000
    setInterval(function () { refresh(region) }, every)
  })
})()
