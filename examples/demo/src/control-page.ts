// The gateway's control page: one button per fault scenario. Plain HTML and a few lines of script, served by
// the gateway itself so the demo needs no build step for it.
import { SCENARIOS } from './scenarios.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function controlPage(sextantUrl?: string): string {
  const rows = Object.entries(SCENARIOS)
    .map(
      ([name, description]) =>
        `<li><button data-scenario="${escapeHtml(name)}">${escapeHtml(name)}</button> <span>${escapeHtml(description)}</span></li>`,
    )
    .join('\n');
  const sextant = sextantUrl
    ? `<p>Then look at the traces in <a href="${escapeHtml(sextantUrl)}/search">Sextant</a>.</p>`
    : '<p>Then look at the traces in Sextant (http://localhost:16686 by default).</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sextant demo shop — fault scenarios</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  ul { list-style: none; padding: 0; }
  li { margin: .4rem 0; }
  button { font: inherit; min-width: 10rem; padding: .25rem .6rem; border: 1px solid #8a94a6; border-radius: 4px; background: #fff; cursor: pointer; }
  button[aria-pressed="true"] { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
  #status { color: #555; }
</style>
</head>
<body>
<h1>Sextant demo shop</h1>
<p>Pick the fault to plant. Every service switches at once; the load generator keeps sending traffic.</p>
<ul>
${rows}
</ul>
<p id="status" role="status"></p>
${sextant}
<script>
  const status = document.getElementById('status');
  function show(current) {
    for (const b of document.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.scenario === current));
    status.textContent = 'Current scenario: ' + current;
  }
  async function request(init) {
    const res = await fetch('/control/scenario', init);
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    show(body.scenario);
  }
  for (const b of document.querySelectorAll('button')) {
    b.addEventListener('click', () => {
      status.textContent = 'Switching to ' + b.dataset.scenario + '…';
      request({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: b.dataset.scenario }) })
        .catch((e) => { status.textContent = 'Could not switch: ' + e.message; });
    });
  }
  request().catch((e) => { status.textContent = 'Could not read the scenario: ' + e.message; });
</script>
</body>
</html>
`;
}
