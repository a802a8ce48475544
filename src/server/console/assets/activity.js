// The overview's live parts: a chart (uPlot) of records synchronized over time from the sync log, and the runs
// going on now with their counters so far, read again every few seconds while the page is open.

import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api } from "./api.js";
import { DIRECTIONS, html, Loaded, Table, useApi, when } from "./ui.js";

/** How often the overview reads the running jobs again. */
const PROGRESS_POLL_MS = 2000;

const WINDOWS = [
  { hours: 1, label: "Last hour" },
  { hours: 24, label: "Last 24 hours" },
  { hours: 24 * 7, label: "Last 7 days" },
];

const sum = (values) => values.reduce((a, b) => a + b, 0);

/** uPlot draws into a div it owns; the chart follows the width of its container (a phone or a wide screen). */
function Chart({ activity }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = () => Math.max(260, el.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: true } },
        axes: [{}, { label: "records" }],
        series: [
          {},
          { label: "Synchronized", stroke: "#1f6feb", fill: "rgba(31, 111, 235, 0.15)", width: 2 },
          { label: "Failed", stroke: "#c62828", width: 2 },
        ],
      },
      [activity.times, activity.synced, activity.failed],
      el,
    );
    const resized = new ResizeObserver(() => chart.setSize({ width: width(), height: 220 }));
    resized.observe(el);
    return () => {
      resized.disconnect();
      chart.destroy();
    };
  }, [activity]);
  const minutes = activity.bucketSeconds / 60;
  const per = minutes < 60 ? `${minutes} minutes` : `${minutes / 60} hour${minutes === 60 ? "" : "s"}`;
  return html`<div
    class="chart"
    ref=${box}
    role="img"
    aria-label=${`Records synchronized per ${per}: ${sum(activity.synced)} synchronized and ${sum(activity.failed)} failed from ${when(activity.from)} to ${when(activity.to)}`}
  ></div>`;
}

export function ActivityChart() {
  // The last hour by default: a new installation (the demo) shows its first runs as a curve, not a spike.
  const [hours, setHours] = useState(1);
  const activity = useApi(`/activity?hours=${hours}`);
  return html`<section class="card wide" aria-labelledby="activity-title">
    <div class="title-row">
      <h2 id="activity-title">Records synchronized over time</h2>
      <p class="field inline-field">
        <label for="activity-window">Period</label>
        <select id="activity-window" value=${hours} onChange=${(e) => setHours(Number(e.currentTarget.value))}>
          ${WINDOWS.map((w) => html`<option value=${w.hours}>${w.label}</option>`)}
        </select>
      </p>
    </div>
    <${Loaded} resource=${activity}>
      ${(a) =>
        sum(a.synced) + sum(a.failed) === 0
          ? html`<p class="muted">No records were synchronized in this period.</p>`
          : html`<${Chart} activity=${a} />
              <p class="muted" data-total=${sum(a.synced)}>
                ${sum(a.synced)} records synchronized, ${sum(a.failed)} failed (inserted, changed, deleted or coupled,
                from the sync log).
              </p>`}
    <//>
  </section>`;
}

/**
 * The runs going on now, read again every couple of seconds; when one ends, `onFinished` lets the overview read
 * its counts and last runs again.
 */
export function LiveProgress({ onFinished }) {
  const [progress, setProgress] = useState(undefined);
  const [error, setError] = useState(undefined);
  const seen = useRef(new Set());
  useEffect(() => {
    let stopped = false;
    let timer;
    const read = async () => {
      try {
        const now = await api("GET", "/progress");
        if (stopped) return;
        const ids = new Set(now.running.map((r) => r.id));
        const ended = [...seen.current].some((id) => !ids.has(id));
        seen.current = ids;
        setProgress(now);
        setError(undefined);
        if (ended) onFinished?.();
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped) timer = setTimeout(read, PROGRESS_POLL_MS);
    };
    read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return html`<section class="card wide" aria-labelledby="progress-title">
    <h2 id="progress-title">Running now</h2>
    <div aria-live="polite">
      ${error ? html`<p class="bad-text">Progress could not be read: ${error.message}</p>` : null}
      ${
        progress === undefined
          ? html`<p class="muted" aria-busy="true">Reading…</p>`
          : progress.running.length === 0 && progress.queue.length === 0
            ? html`<p class="muted">Nothing is running.</p>`
            : html`<${Table}
                caption="Runs in progress, with their counters so far"
                rows=${progress.running}
                empty=${`Job queue entries in process: ${progress.queue.map((q) => q.description).join(", ")}`}
                columns=${[
                  ["Mapping", (r) => r.mapping],
                  ["Direction", (r) => DIRECTIONS[r.direction] ?? r.direction],
                  ["Since", (r) => when(r.startedAt)],
                  ["Inserted", (r) => r.inserted],
                  ["Modified", (r) => r.modified],
                  ["Coupled", (r) => r.coupled],
                  ["Unchanged", (r) => r.unchanged],
                  ["Failed", (r) => r.failed],
                ]}
              />`
      }
    </div>
  </section>`;
}
