// Parts of a page that keep themselves current (the approvals queue, the inbox, the dashboard):
// an element with data-live-src is fetched again each time the server-sent event stream at its
// data-live-events says the records behind it changed (assure/console/live.py), and replaced
// when its content changed. The element is an aria-live="polite" region, so a screen reader
// hears the change without losing its place. What the person typed into the region and where
// their focus was are put back after a replacement, so a new row arriving while they write a
// reason loses nothing. The browser's EventSource reconnects by itself after a dropped stream.
(function () {
  function typed (region) {
    var kept = { values: {}, focus: null }
    region.querySelectorAll('input[id], textarea[id], select[id]').forEach(function (field) {
      if (field.type === 'checkbox' || field.type === 'radio') {
        if (field.checked !== field.defaultChecked) kept.values[field.id] = { checked: field.checked }
      } else if (field.tagName === 'SELECT' || field.value !== field.defaultValue) {
        kept.values[field.id] = { value: field.value }
      }
    })
    var active = document.activeElement
    if (active && active.id && region.contains(active)) {
      kept.focus = { id: active.id, start: active.selectionStart, end: active.selectionEnd }
    }
    return kept
  }

  function restore (region, kept) {
    Object.keys(kept.values).forEach(function (id) {
      var field = document.getElementById(id)
      if (!field || !region.contains(field)) return
      if ('checked' in kept.values[id]) field.checked = kept.values[id].checked
      else field.value = kept.values[id].value
    })
    var focus = kept.focus && document.getElementById(kept.focus.id)
    if (focus && region.contains(focus)) {
      focus.focus()
      if (typeof kept.focus.start === 'number' && focus.setSelectionRange) {
        focus.setSelectionRange(kept.focus.start, kept.focus.end)
      }
    }
  }

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
        // started; later ones with the answer before. An unchanged list is left alone.
        var parsed = document.createElement('template')
        parsed.innerHTML = html
        var shown = region.innerHTML.replace(/ data-govuk-[a-z-]+-init=""/g, '')
        if (!first || parsed.innerHTML !== shown) {
          var kept = typed(region)
          region.innerHTML = html
          restore(region, kept)
          region.dataset.liveUpdated = String(Date.now())
        }
      })
      .catch(function () { /* the next change tries again */ })
  }

  document.querySelectorAll('[data-live-src][data-live-events]').forEach(function (region) {
    var changes = new EventSource(region.dataset.liveEvents)
    changes.addEventListener('changed', function (event) {
      // The stores where they were when the page was made (data-live-seen): nothing to fetch.
      if (region.dataset.liveSeen && event.data === region.dataset.liveSeen) {
        region.dataset.liveSeen = ''
        region.dataset.liveCurrent = 'true'
        return
      }
      region.dataset.liveSeen = ''
      refresh(region)
    })
    changes.addEventListener('open', function () { region.dataset.liveConnected = 'true' })
  })
})()
