-- A fresh installation has the mesh "default", written like any other resource
-- (journal row first, its seq is the revision), so zones receive it and users
-- can read, change or delete it through the API.
INSERT INTO journal (kind, mesh, name, op, document, at)
VALUES ('Mesh', '', 'default', 'put', '{"kind":"Mesh","metadata":{"name":"default"},"spec":{}}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
--> statement-breakpoint
INSERT INTO resources (kind, mesh, name, revision, document, created_at, updated_at)
SELECT 'Mesh', '', 'default', max(seq), '{"kind":"Mesh","metadata":{"name":"default"},"spec":{}}',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM journal;
