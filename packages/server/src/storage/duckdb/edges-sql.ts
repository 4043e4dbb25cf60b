/**
 * The dependency links of stored spans, in SQL. Links follow Zipkin's DependencyLinker, the same semantics as the
 * per-trace analysis in @sextant/core: a server or consumer span links from its caller (its remote service if
 * named, else the client half of a shared span, else its parent span's service) to its own service; a client or
 * producer span links to the remote service it names (core's remoteServiceName, stored at ingest: peer.service, a
 * host name in server.address, the database or messaging system) unless an instrumented span below it already
 * answers that call. Done in SQL because loading a million spans into JavaScript to run the linker there costs
 * seconds.
 *
 * Each link belongs to one span (the server span, the messaging span, the unanswered client), whose `seq` (ingest
 * batch) and `start_ns` it carries: rollups.ts counts each link once, in the minute its span started.
 */

/**
 * `edges(parent, child, parent_op, child_op, err, dur, trace_id, virtual, seq, start_ns)` over the spans that
 * `neighbourhood` (a condition on `spans`) selects: the spans links are looked for among, whole traces.
 */
export function edgeSource(neighbourhood: string): string {
  return `
  WITH win AS MATERIALIZED (
    SELECT trace_id, span_id, parent_span_id, service, name, kind, is_error, duration_ns, start_ns,
      peer_service AS peer, remote_service AS remote, batch_seq AS seq
    FROM spans WHERE ${neighbourhood}
  ), by_id AS MATERIALIZED (
    -- A shared (Zipkin) span id names two rows; its children hang under the server half.
    SELECT trace_id, span_id, arg_min(service, kind <> 2) AS service, arg_min(name, kind <> 2) AS name,
      arg_min(kind, kind <> 2) AS kind, arg_min(duration_ns, kind <> 2) AS duration_ns,
      arg_min(parent_span_id, kind <> 2) AS parent_span_id
    FROM win GROUP BY trace_id, span_id
  ), roots AS (
    SELECT trace_id, arg_min(span_id, start_ns) AS span_id, arg_min(service, start_ns) AS service
    FROM win WHERE parent_span_id = 0 GROUP BY trace_id
  ), caller AS MATERIALIZED (
    -- (Join conditions stay pure equalities: a condition on one side alone turns DuckDB's hash join into a
    -- nested loop. Span ids are never 0, so a root's parent id 0 matches nothing anyway.)
    -- The caller of each span: its parent, looking through one local (internal) span; a span whose parent is
    -- missing is read as a child of the trace's root, as Zipkin does.
    SELECT DISTINCT ON (s.trace_id, s.span_id, s.kind) s.trace_id, s.span_id, s.kind AS own_kind,
      CASE WHEN p.kind IN (0, 1) AND pp.service IS NOT NULL THEN pp.service
           WHEN p.service IS NOT NULL THEN p.service
           WHEN s.parent_span_id <> 0 AND r.span_id <> s.span_id THEN r.service END AS service,
      CASE WHEN p.kind IN (0, 1) AND pp.service IS NOT NULL THEN pp.name ELSE p.name END AS name,
      CASE WHEN p.kind IN (0, 1) AND pp.service IS NOT NULL THEN pp.kind ELSE p.kind END AS kind,
      CASE WHEN p.kind IN (0, 1) AND pp.service IS NOT NULL THEN pp.duration_ns ELSE p.duration_ns END AS duration_ns
    FROM win s
    LEFT JOIN by_id p ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id
    LEFT JOIN by_id pp ON pp.trace_id = s.trace_id AND pp.span_id = p.parent_span_id
    LEFT JOIN roots r ON r.trace_id = s.trace_id
  ), server_links AS (
    SELECT coalesce(sc.service, c.service, s.peer) AS parent, s.service AS child,
      coalesce(sc.name, c.name, s.name) AS parent_op, s.name AS child_op,
      s.is_error OR coalesce(sc.is_error, false) OR (c.kind = 3 AND coalesce(cs.is_error, false)) AS err,
      coalesce(sc.duration_ns, CASE WHEN c.kind IN (3, 4) THEN c.duration_ns END, s.duration_ns) AS dur,
      s.trace_id AS trace_id, sc.service IS NULL AND c.service IS NULL AS virtual, s.seq AS seq, s.start_ns AS start_ns
    FROM win s
    LEFT JOIN (SELECT DISTINCT ON (trace_id, span_id) * FROM win WHERE kind = 3) sc ON sc.trace_id = s.trace_id AND sc.span_id = s.span_id
    LEFT JOIN caller c ON c.trace_id = s.trace_id AND c.span_id = s.span_id AND c.own_kind = 2
    LEFT JOIN (SELECT DISTINCT ON (trace_id, span_id) * FROM win WHERE kind = 3) cs
      ON cs.trace_id = s.trace_id AND cs.span_id = s.parent_span_id
    WHERE s.kind = 2
  ), messaging_links AS (
    SELECT CASE WHEN kind = 4 THEN service ELSE remote END AS parent, CASE WHEN kind = 4 THEN remote ELSE service END AS child,
      name AS parent_op, name AS child_op, is_error AS err, duration_ns AS dur, trace_id, true AS virtual, seq, start_ns
    FROM win WHERE kind IN (4, 5) AND remote IS NOT NULL
  ), leaf_clients AS MATERIALIZED (
    -- Clients (and local spans naming a remote service) that no instrumented span answered.
    SELECT s.* FROM win s
    WHERE (s.kind = 3 OR (s.kind IN (0, 1) AND s.remote IS NOT NULL))
      -- Two anti-joins rather than one with OR: each stays a hash join (an OR makes it quadratic per trace).
      AND NOT EXISTS (SELECT 1 FROM win c WHERE c.trace_id = s.trace_id AND c.parent_span_id = s.span_id)
      AND NOT EXISTS (SELECT 1 FROM win c WHERE c.trace_id = s.trace_id AND c.span_id = s.span_id AND c.kind = 2)
  ), client_links AS (
    SELECT s.service AS parent, s.remote AS child, s.name AS parent_op, s.name AS child_op, s.is_error AS err,
      s.duration_ns AS dur, s.trace_id AS trace_id, true AS virtual, s.seq AS seq, s.start_ns AS start_ns
    FROM leaf_clients s WHERE s.remote IS NOT NULL
    UNION ALL
    -- A client whose caller is another service: that service called this one without a server span.
    SELECT c.service, s.service, c.name, s.name, false, s.duration_ns, s.trace_id, false, s.seq, s.start_ns
    FROM leaf_clients s JOIN caller c ON c.trace_id = s.trace_id AND c.span_id = s.span_id AND c.own_kind = s.kind
    WHERE s.kind = 3 AND c.service IS NOT NULL AND c.service <> s.service AND c.kind IN (2, 3, 4, 5)
  ), edges AS (
    SELECT * FROM server_links WHERE parent IS NOT NULL
    UNION ALL SELECT * FROM messaging_links
    UNION ALL SELECT * FROM client_links
  )`;
}
