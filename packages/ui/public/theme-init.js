// Sets the theme before first paint so a dark-mode user never sees a white flash. A file, not an inline script,
// because the server's Content-Security-Policy allows only scripts from the UI's own origin.
(function () {
  var t = null;
  try { t = localStorage.getItem('sextant.theme'); } catch (e) {}
  if (t !== 'light' && t !== 'dark') t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.dataset.theme = t;
})();
