/** `pipelines apply --help`: the spec features beyond stages and groups, one short example each. */
export const PIPELINE_SPEC_HELP = `
Runs from upstream events: a spec's on: entries start one run per matching NATS message and key, e.g.
  on:
    - subject: catalog.updated              # the upstream system's own JSON on its own subject
      when: event.kind == "product"         # CEL over event, subject, headers; false: no run
      params: '{"sku": event.sku}'          # default: the event itself
      idempotencyKey: 'event.sku'           # default: the message's stream and sequence
      # stream: CATALOG                     # read an existing stream (default: <PREFIX>_UPSTREAM)
Rejected events are recorded as rejected runs and announced on <prefix>.trigger.rejected.<pipeline>.

Cron: one run per tick across every planner replica; the tick is params.logicalDate
(with params.dataIntervalStart / dataIntervalEnd); catchup: true runs the ticks missed while down.
  schedule: { cron: "0 * * * *", timezone: Europe/Berlin, catchup: false, params: { markets: [LU] } }

Failure budget: the consolidation runs while at most this many groups failed (their keys in its
input's failedGroups), and is upstream_failed beyond it.
  consolidate: { executor: consolidate, triggerRule: all_done, tolerate: { failedGroups: 1 } }   # or failedPercent: 10

Map labels: a human-readable name per mapped instance or group, shown next to its index.
  - { id: retrieve, executor: search, map: upstream.generate.queries, label: '"query: " + item.text' }

Mapped outputs keep their positions: beside upstream.retrieve (successful outputs in map-index order),
upstreamIndices.retrieve = { succeeded, failed, skipped, upstreamFailed } (also ctx.upstreamIndices).
  - { id: summarize, executor: summarize, dependsOn: [retrieve], triggerRule: all_done,
      with: { missing: '\${{ upstreamIndices.retrieve.failed }}' } }`;
