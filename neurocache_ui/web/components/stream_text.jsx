// A streaming reply's text, kept outside the Reflex state: the hub sends only the
// appended text ([[messageId, offset, text], ...] through window.__ncStream, see
// web/realtime/streams.py), so an update's size does not grow with the reply.
import { useSyncExternalStore } from "react";

const texts = new Map();
const listeners = new Map();

function apply(updates) {
  for (const [id, offset, text] of updates) {
    const key = String(id);
    const current = texts.get(key) ?? "";
    // The server tracks what this page has; a gap can only follow a lost socket,
    // and the next page load sends the whole text again.
    if (offset > current.length) continue;
    texts.set(key, current.slice(0, offset) + text);
    for (const notify of listeners.get(key) ?? []) notify();
  }
}

if (typeof window !== "undefined") {
  window.__ncStream = apply;
  apply(window.__ncStreamQueue ?? []);
  window.__ncStreamQueue = [];
}

function subscribe(key, notify) {
  if (!listeners.has(key)) listeners.set(key, new Set());
  listeners.get(key).add(notify);
  return () => listeners.get(key).delete(notify);
}

export function StreamText({ messageId }) {
  const key = String(messageId);
  const text = useSyncExternalStore(
    (notify) => subscribe(key, notify),
    () => texts.get(key) ?? "",
    () => "",
  );
  return text || "…";
}
