// "Data Synchronization Setup – Full Synch. Review": each table mapping in dependency order with its state, its
// jobs' status and counters and its job queue entry; "Run full synchronization" runs every line whose dependencies
// are done, and the page follows it (polling GET /review while it runs) until every line has an outcome.

import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";
import { ActionButton, Badge, DIRECTIONS, ErrorMessage, html, Loaded, Table, useApi, when } from "./ui.js";

/** How often the page reads the review again while a run goes on. */
const POLL_MS = 1000;

function JobCell({ side }) {
  const job = side.job;
  if (!side.status && !job) return html`<span class="muted">—</span>`;
  const status = job?.status === "running" ? "running" : (side.status ?? job?.status);
  // A line whose run could not start at all keeps the reason where its job status would be: show it as words.
  const known = ["running", "Success", "Error", "succeeded", "failed", "cancelled"].includes(status);
  return html`<span class="job-cell">
    ${known ? html`<${Badge} status=${status} />` : html`<span class="bad-text">${status}</span>`}
    ${
      job
        ? html`<span class="counts-line">
            +${job.inserted} new, ${job.coupled} coupled, ~${job.modified} changed${job.failed ? html`, <strong>${job.failed} failed</strong>` : ""}
          </span>`
        : null
    }
  </span>`;
}

/** A line's state in Business Central's words, coloured by what it means. */
function LineState({ state }) {
  if (!state) return html`<span class="muted">Not started</span>`;
  const tone = { Finished: "ok", Error: "bad", "In Process": "warn" }[state] ?? "warn";
  return html`<span class=${`badge ${tone}`}>${state}</span>`;
}

export function FullSyncReview() {
  const review = useApi("/review");
  const [notice, setNotice] = useState(undefined);
  const running = review.data?.running === true;

  useEffect(() => {
    if (!running) return undefined;
    // While the run goes on, read the lines again; the timer is cleared when the page or the run ends.
    const timer = setTimeout(() => review.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [review.data]);

  useEffect(() => {
    if (review.data && !running && review.data.finishedAt && notice?.startsWith("Running")) {
      const lines = review.data.lines;
      const failed = lines.filter((l) => l.state === "Error").map((l) => l.mapping);
      setNotice(
        review.data.error
          ? `The full synchronization stopped: ${review.data.error}`
          : `The full synchronization finished: ${lines.filter((l) => l.state === "Finished").length} mappings finished${failed.length ? `, ${failed.length} with errors (${failed.join(", ")}; see the sync log)` : ""}.`,
      );
    }
  }, [review.data]);

  const start = async (path, label) => {
    await api("POST", path);
    setNotice(`Running ${label}…`);
    await review.reload();
    return "Started.";
  };

  return html`<section aria-labelledby="review-title">
    <h1 id="review-title">Full synchronization review</h1>
    <p class="muted">
      Every table mapping in the order a full synchronization runs it. Mappings with records on both sides are coupled
      first (matched on their match fields) before new records are created; a mapping waits until the ones it depends
      on have finished.
    </p>
    <div class="buttons">
      <${ActionButton}
        label="Run full synchronization"
        kind="primary"
        action=${() => start("/review/sync-all", "the full synchronization")}
      />
      <${ActionButton}
        label="Refresh recommendations"
        action=${async () => {
          if (running) throw new Error("Wait for the run to finish first.");
          await api("GET", "/review?refresh=true");
          await review.reload();
          return "Recommendations read again.";
        }}
      />
    </div>
    <p class="notice" role="status" aria-live="polite">
      ${running ? html`<span aria-busy="true">Running since ${when(review.data.startedAt)}: the lines below follow it.</span>` : (notice ?? "")}
    </p>
    <${Loaded} resource=${review}>
      ${(data) => html`<${Table}
        caption="Table mappings in dependency order"
        rows=${data.lines.map((l) => ({ ...l, id: l.mapping }))}
        empty="No table mappings."
        columns=${[
          ["Mapping", (l) => html`<strong>${l.mapping}</strong>`],
          ["Direction", (l) => DIRECTIONS[l.direction] ?? l.direction],
          ["Depends on", (l) => (l.dependsOn.length ? l.dependsOn.join(", ") : "—")],
          ["Recommendation", (l) => l.recommendation ?? "—"],
          ["State", (l) => html`<span data-state=${l.state || "none"}><${LineState} state=${l.state} /></span>`],
          ["To Sales", (l) => html`<${JobCell} side=${l.toDataverse} />`],
          ["From Sales", (l) => html`<${JobCell} side=${l.fromDataverse} />`],
          ["Job queue", (l) => (l.jobQueueStatus ? html`<${Badge} status=${l.jobQueueStatus} />` : "—")],
          [
            "",
            (l) =>
              l.state === "Finished" || l.state === "Error"
                ? html`<${ActionButton}
                    label=${`Restart ${l.mapping}`}
                    action=${() => start(`/review/${encodeURIComponent(l.mapping)}/restart`, `${l.mapping} again`)}
                  />`
                : !l.state && l.recommendation === "Couple Records"
                  ? html`<${ActionButton}
                      label=${`Recommend full sync for ${l.mapping}`}
                      action=${async () => {
                        await api("POST", `/review/${encodeURIComponent(l.mapping)}/recommend-full`);
                        await review.reload();
                        return "Recommended.";
                      }}
                    />`
                  : null,
          ],
        ]}
      />`}
    <//>
    ${review.data?.error && !running ? html`<${ErrorMessage} error=${{ message: review.data.error }} />` : null}
  </section>`;
}
