/**
 * What `npm start` prints once everything runs: commands that work when
 * pasted into a shell as printed (no indented heredoc terminator, every CLI
 * line with the --server it needs). A test pastes them into bash.
 */
export interface StartedSystem {
  apiUrl: string;
  adsAddress: string;
  /** The bridge's admin endpoint. */
  adminUrl: string;
  /** Where the admin API token is. */
  adminTokenFile: string;
  /**
   * The admin API token itself, printed for signing in to the dashboard:
   * it is the local dev system's own token (made by npm start, on this
   * machine, for 7 days), so showing it costs nothing a `cat` would not.
   */
  adminToken: string;
}

export function startGuide(s: StartedSystem): string {
  const cli = `node bin/edgeplane.js --server ${s.apiUrl}`;
  return `
Edgeplane is running. Try (each line works pasted as is):

# the dashboard: open ${s.apiUrl}/ui/ and sign in with this token
# (the local dev system's admin token, also in ${s.adminTokenFile}):
# Sign-in token: ${s.adminToken}

# the CLI and curl use the admin API token npm start made:
export EDGEPLANE_TOKEN="$(cat ${s.adminTokenFile})"

# call the demo through the mesh (80% echo-v1, 20% echo-v2):
node --import tsx examples/echo/call.ts --ads ${s.adsAddress} --calls 100

# move all traffic to v2, wait until every proxy has it, then call again:
${cli} apply --wait -f - <<'YAML'
kind: HTTPRoute
metadata: {name: echo-split}
spec:
  parentRefs: [{name: echo, port: 50051}]
  rules: [{backendRefs: [{name: echo-v1, weight: 0}, {name: echo-v2, weight: 100}]}]
YAML
node --import tsx examples/echo/call.ts --ads ${s.adsAddress} --calls 20

# export the mesh's Services and apply them back unchanged (nothing changes: no new revision):
${cli} get services -o yaml | ${cli} apply -f -

# rollout status and zones:
${cli} status httproute echo-split
${cli} zones

# keep one client connected for a minute, then list the proxies and see what it runs:
node --import tsx examples/echo/call.ts --ads ${s.adsAddress} --calls 1 --hold 60 --node-id demo-client >/dev/null 2>&1 &
sleep 3
${cli} proxies
${cli} config-dump demo-client --bridge ${s.adminUrl} | head -20

# the bridge's probes and metrics, and the control plane's:
curl -s ${s.adminUrl}/readyz; curl -s ${s.adminUrl}/metrics | grep edgeplane_bridge_zone
curl -s -H "authorization: Bearer $EDGEPLANE_TOKEN" ${s.apiUrl}/v1/metrics | grep edgeplane_zone_lag

Ctrl-C stops everything.
`;
}
