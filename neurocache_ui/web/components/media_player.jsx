// A message's video and audio (web/components/media.py): the player, a progress
// line while the hub processes it, why it failed, and its transcript on demand
// (fetched from the members-only route, each segment seeking the player). Also the
// page's handler for cited moments: a reply's "[01:23]" link (rows.linked_moments)
// plays the newest player above that reply from that second.
import { useEffect, useMemo, useRef, useState } from "react";

const KIND_LABEL = { video: "video", audio: "audio", voice: "voice message" };
const MUTED = { color: "var(--gray-11)", fontSize: "var(--font-size-1)" };

function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${minutes}:${seconds}` : `${minutes}:${seconds}`;
}

export function playFrom(player, seconds) {
  if (!player) return;
  player.currentTime = seconds;
  player.scrollIntoView({ block: "nearest" });
  player.play().catch(() => {}); // a browser that refuses autoplay still shows the moment
}

function Transcript({ media, player }) {
  const [open, setOpen] = useState(false);
  const [data, setData] = useState(null);
  const [error, setError] = useState("");
  const toggle = async () => {
    setOpen(!open);
    if (open || data) return;
    try {
      const response = await fetch(`${media.url}/transcript`, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      setData(await response.json());
    } catch {
      setError("The transcript could not be loaded. Try again.");
      setOpen(false);
    }
  };
  const listId = `transcript-${media.id}`;
  return (
    <div style={{ width: "100%" }}>
      <button type="button" className="media-transcript-toggle" aria-expanded={open} aria-controls={listId} onClick={toggle}
        style={{ ...MUTED, background: "none", border: "none", padding: "2px 0", cursor: "pointer", color: "var(--accent-11)" }}>
        {open ? "Hide transcript" : "Show transcript"}
      </button>
      {error && <div role="alert" style={{ ...MUTED, color: "var(--red-11)" }}>{error}</div>}
      {open && data && (
        <div id={listId} role="region" aria-label={`Transcript of ${media.filename}`}
          style={{ maxHeight: "14em", overflowY: "auto", fontSize: "var(--font-size-2)", paddingTop: "2px" }}>
          {data.segments?.length ? (
            <ol style={{ listStyle: "none", margin: 0, padding: 0 }}>
              {data.segments.map((segment, index) => (
                <li key={index} style={{ display: "flex", gap: "0.5em", alignItems: "baseline" }}>
                  <button type="button" onClick={() => playFrom(player.current, segment.start_ms / 1000)}
                    aria-label={`Play from ${clock(segment.start_ms)}`}
                    style={{ ...MUTED, fontVariantNumeric: "tabular-nums", background: "none", border: "none", padding: 0,
                      cursor: "pointer", color: "var(--accent-11)", flexShrink: 0 }}>
                    [{clock(segment.start_ms)}]
                  </button>
                  <span>{segment.text}</span>
                </li>
              ))}
            </ol>
          ) : (
            <p style={{ ...MUTED, margin: 0 }}>{data.text || data.note || "Nothing was said."}</p>
          )}
          {data.segments?.length > 0 && data.note && <p style={{ ...MUTED, margin: 0 }}>{data.note}</p>}
        </div>
      )}
    </div>
  );
}

function Player({ media }) {
  const player = useRef(null);
  const label = KIND_LABEL[media.kind] || "media";
  const common = { ref: player, controls: true, preload: "metadata", src: media.url, "data-media-player": media.id,
    "aria-label": `${media.filename}${media.kind === "voice" ? " (voice message)" : ""}` };
  return (
    <figure className="media-item" data-media-id={media.id} data-status={media.status}
      style={{ margin: "0.25em 0", display: "flex", flexDirection: "column", gap: "2px", width: "100%",
        maxWidth: media.kind === "video" ? "min(480px, 100%)" : "min(360px, 100%)" }}>
      {media.kind === "video" ? (
        <video {...common} poster={media.status === "ready" && media.poster ? media.poster : undefined} playsInline
          style={{ width: "100%", maxHeight: "min(320px, 45vh)", background: "black", borderRadius: "var(--radius-2)" }} />
      ) : (
        <audio {...common} style={{ width: "100%", height: "40px" }} />
      )}
      <figcaption style={MUTED}>{media.filename}{media.duration ? ` · ${media.duration}` : ""}</figcaption>
      {media.status === "processing" && (
        <div role="status" aria-live="polite" style={MUTED}>Processing {label} {media.progress}%</div>
      )}
      {media.status === "failed" && (
        <div role="note" style={{ ...MUTED, color: "var(--amber-11)" }}>{media.note || `The ${label} could not be processed.`}</div>
      )}
      {media.status === "ready" && media.transcript && <Transcript media={media} player={player} />}
      {media.status === "ready" && !media.transcript && media.note && <div role="note" style={MUTED}>{media.note}</div>}
    </figure>
  );
}

// Any other file (kind "file"): a chip with its name and size, "Download" (the hub
// answers it as an attachment) and, for PDFs and text files, "Preview" (plain text
// in a new tab, served with nosniff and a sandboxing CSP).
function FileChip({ media }) {
  const link = { color: "var(--accent-11)", fontSize: "var(--font-size-1)", textDecoration: "underline" };
  return (
    <div className="message-file" data-media-id={media.id} data-status={media.status} role="group"
      aria-label={`File ${media.filename}, ${media.size}`}
      style={{ display: "flex", alignItems: "center", gap: "0.6em", flexWrap: "wrap", maxWidth: "min(420px, 100%)",
        padding: "6px 10px", border: "1px solid var(--gray-6)", borderRadius: "var(--radius-3)", background: "var(--gray-2)" }}>
      <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true"
        style={{ flexShrink: 0, color: "var(--gray-11)" }}>
        <path d="M15 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V7Z" /><path d="M14 2v4a2 2 0 0 0 2 2h4" />
      </svg>
      <span style={{ display: "flex", flexDirection: "column", minWidth: 0, flex: "1 1 8em" }}>
        <span style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", fontSize: "var(--font-size-2)" }}
          title={media.filename}>{media.filename}</span>
        <span style={MUTED}>{media.size}</span>
      </span>
      <a href={media.url} download={media.filename} style={link} aria-label={`Download ${media.filename}`}>Download</a>
      {media.preview && (
        <a href={media.preview} target="_blank" rel="noopener noreferrer" style={link} aria-label={`Preview ${media.filename}`}>
          Preview
        </a>
      )}
    </div>
  );
}

export function MediaPlayers({ media }) {
  const items = useMemo(() => (media ? JSON.parse(media) : []), [media]);
  return (
    <div className="message-media" style={{ display: "flex", flexDirection: "column", gap: "0.5em", width: "100%" }}>
      {items.map((item) => (item.kind === "file" ? <FileChip key={item.id} media={item} /> : <Player key={item.id} media={item} />))}
    </div>
  );
}

// Once per page: a click (or Enter) on a cited moment plays the newest player above
// the reply in the same log (the channel's or the thread's), from that second.
export function MomentLinks() {
  useEffect(() => {
    const onClick = (event) => {
      const link = event.target.closest?.('a[href*="#t="]');
      if (!link) return;
      const seconds = Number(new URL(link.href, window.location.href).hash.slice(3));
      if (!Number.isFinite(seconds)) return;
      event.preventDefault();
      event.stopPropagation();
      const row = link.closest("[data-message-id]");
      const scope = link.closest('[role="log"]') || document;
      const above = [...scope.querySelectorAll("[data-media-player]")].filter(
        (player) => !row || row.compareDocumentPosition(player) & Node.DOCUMENT_POSITION_PRECEDING,
      );
      playFrom(above.at(-1), seconds);
    };
    window.addEventListener("click", onClick, true);
    return () => window.removeEventListener("click", onClick, true);
  }, []);
  return null;
}
