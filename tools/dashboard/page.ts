// The dashboard's HTML shell; everything inside <main> is drawn by the
// browser code (tools/dashboard/web/) from Firestore listeners and the API.

export function pageHtml(projectId: string): string {
  const p = projectId.replace(/[^a-z0-9-]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IoT pipeline · ${p}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span><h1>IoT pipeline</h1><span class="project">${p}</span></div>
  <div class="conn" id="conn" data-state="connecting"><span class="dot"></span><span id="conn-text">connecting…</span></div>
</header>
<section class="summary" id="summary" aria-label="Summary"></section>
<main id="tenants" aria-live="polite"></main>
<footer class="foot">Live state: Firestore <code>deviceState</code> listeners · sparklines: BigQuery <code>telemetry.readings_dedup</code> · dead letters: <code>telemetry.deadletter_dedup</code></footer>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
}
