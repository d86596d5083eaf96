/**
 * The dashboard's one HTML page. The sign-in form is here, in plain HTML, so
 * it works before the script runs; every view is drawn into <main> by
 * /ui/app.js from the JSON API.
 */
export const UI_SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edgeplane</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #fafafa; }
  body { margin: 0; }
  header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem 1rem; background: #1b1f24; color: #fff; }
  header a { color: #fff; }
  header nav { display: flex; flex-wrap: wrap; gap: .75rem; }
  main { padding: 1rem; max-width: 1200px; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  .scroll { overflow-x: auto; }
  .state-NACKED, .state-NACK { background: #fde2e2; }
  .state-STALE, .state-PENDING { background: #fff4d6; }
  .state-SYNCED, .state-ACK { background: #e3f6e6; }
  pre { background: #fff; border: 1px solid #ddd; padding: .5rem; overflow-x: auto; }
  :focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
  button { font: inherit; padding: .25rem .75rem; }
  textarea { width: 100%; min-height: 20rem; font-family: ui-monospace, monospace; }
  .error { color: #a00; }
  .line-no { color: #555; text-align: right; font-family: ui-monospace, monospace; }
  .line-remove { background: #fde2e2; white-space: pre; }
  .line-add { background: #e3f6e6; white-space: pre; }
  td code { white-space: pre; }
</style>
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<header>
  <strong>Edgeplane</strong>
  <nav aria-label="main" id="nav" hidden>
    <a href="#/">Overview</a>
    <a href="#/edit">Edit</a>
    <button type="button" id="sign-out">Sign out</button>
  </nav>
  <span id="who" aria-live="polite"></span>
</header>
<main id="main">
  <form id="sign-in" aria-labelledby="sign-in-title">
    <h1 id="sign-in-title">Sign in</h1>
    <p>Paste an API token (<code>edgeplane token create</code>, or <code>.edgeplane/admin.token</code> after <code>npm start</code>). It is kept in this tab's session storage only.</p>
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" required size="40">
    <button type="submit">Sign in</button>
    <p id="sign-in-error" class="error" role="alert"></p>
  </form>
</main>
</body>
</html>
`;
