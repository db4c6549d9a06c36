// A scrolling log that behaves like a chat: pinned to the newest entry while the
// reader is at the bottom (new messages, streaming text, images loading, the box
// shrinking because a panel opened or the on-screen keyboard rose), left alone
// while they read older ones, with a "Jump to newest" button when something new
// arrives meanwhile. Opened at a given entry (`focusId`), it shows that one first.
// Sending from the log's own composer (the form holding #composerId) pins it again.
// ArrowUp/ArrowDown move the focus between entries that take it (a message row, which
// then shows its toolbar: row_actions.jsx); ArrowUp on the log itself starts at the newest.
import { useEffect, useRef, useState } from "react";

const NEAR_BOTTOM = 48; // pixels: "at the bottom" despite rounding and a last line's margin

const jumpStyle = {
  position: "absolute",
  bottom: "var(--space-3)",
  left: "50%",
  transform: "translateX(-50%)",
  display: "inline-flex",
  alignItems: "center",
  gap: "var(--space-1)",
  height: "var(--space-6)",
  padding: "0 var(--space-3)",
  border: "none",
  borderRadius: "9999px",
  background: "var(--accent-9)",
  color: "var(--accent-contrast)",
  fontSize: "var(--font-size-1)",
  fontWeight: 500,
  boxShadow: "var(--shadow-4)",
  cursor: "pointer",
  zIndex: 2,
  whiteSpace: "nowrap",
};

export function FollowLog({ children, label, jumpLabel, itemSelector, resetKey, focusId, composerId, className, style }) {
  const box = useRef(null);
  const content = useRef(null);
  const pinned = useRef(true);
  const newest = useRef(null);
  const pendingFocus = useRef(null);
  const knownTop = useRef(0); // scrollTop as last scrolled here or reported by a scroll event
  const [unseen, setUnseen] = useState(false);

  const selector = itemSelector || "[data-message-id]";
  const atBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight <= NEAR_BOTTOM;
  // The newest entry's element: another one at the end means something arrived
  // (older entries put in front, or an entry re-rendered, do not count).
  const lastId = (el) => {
    const items = el.querySelectorAll(selector);
    return items.length ? items[items.length - 1] : null;
  };

  // Where to start: at the focused entry when there is one, else at the bottom.
  // Runs again when the log shows another conversation (`resetKey`).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    pendingFocus.current = focusId ? String(focusId) : null;
    pinned.current = !pendingFocus.current;
    newest.current = lastId(el);
    setUnseen(false);
    el.scrollTop = el.scrollHeight;
    knownTop.current = el.scrollTop;
  }, [resetKey, focusId]);

  useEffect(() => {
    const el = box.current;
    const inner = content.current;
    if (!el || !inner) return;
    const follow = () => {
      // Scrolled since we last knew (the scroll event comes a frame later): where the reader
      // is now decides, or a change landing in between (a row drawing its toolbar, a
      // message) would pull them back to the bottom under their pointer.
      if (el.scrollTop !== knownTop.current) pinned.current = atBottom(el);
      if (pendingFocus.current) {
        const target = el.querySelector(`[data-message-id="${pendingFocus.current}"]`);
        if (target) {
          target.scrollIntoView({ block: "center" });
          pendingFocus.current = null;
          pinned.current = atBottom(el);
        }
        newest.current = lastId(el);
        knownTop.current = el.scrollTop;
        return;
      }
      const last = lastId(el);
      const arrived = last !== null && last !== newest.current;
      newest.current = last;
      if (pinned.current) el.scrollTop = el.scrollHeight;
      else if (arrived) setUnseen(true);
      knownTop.current = el.scrollTop;
    };
    const onScroll = () => {
      knownTop.current = el.scrollTop;
      pinned.current = atBottom(el);
      if (pinned.current) setUnseen(false);
    };
    const onSubmit = (event) => {
      const own = composerId ? document.getElementById(composerId) : null;
      if (own && event.target instanceof Node && event.target.contains(own)) {
        pinned.current = true;
        setUnseen(false);
        el.scrollTop = el.scrollHeight;
        knownTop.current = el.scrollTop;
      }
    };
    document.addEventListener("submit", onSubmit, true);
    const changes = new MutationObserver(follow);
    changes.observe(inner, { childList: true, subtree: true, characterData: true });
    const sizes = new ResizeObserver(follow); // the box (panels, keyboard) and its content (images)
    sizes.observe(el);
    sizes.observe(inner);
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      changes.disconnect();
      sizes.disconnect();
      el.removeEventListener("scroll", onScroll);
      document.removeEventListener("submit", onSubmit, true);
    };
  }, [composerId]);

  const moveFocus = (event) => {
    const up = event.key === "ArrowUp";
    if ((!up && event.key !== "ArrowDown") || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const el = box.current;
    const items = [...el.querySelectorAll(selector)].filter((item) => item.hasAttribute("tabindex"));
    const at = items.indexOf(event.target);
    if (at < 0 && (event.target !== el || !up)) return; // a box or button inside a row keeps its keys
    const next = at < 0 ? items.length - 1 : at + (up ? -1 : 1);
    if (next < 0 || next >= items.length) return;
    event.preventDefault();
    items[next].focus();
  };

  const jump = () => {
    const el = box.current;
    if (!el) return;
    pinned.current = true;
    setUnseen(false);
    el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
  };

  return (
    <div className={className} style={{ position: "relative", display: "flex", flexDirection: "column", minHeight: 0, ...style }}>
      <div
        ref={box}
        role="log"
        aria-label={label}
        aria-live="polite"
        tabIndex={0}
        onKeyDown={moveFocus}
        style={{ flex: "1 1 auto", minHeight: 0, overflowY: "auto", overflowX: "hidden", overflowAnchor: "auto" }}
      >
        <div ref={content}>{children}</div>
      </div>
      {unseen ? (
        <button type="button" onClick={jump} style={jumpStyle}>
          <span aria-hidden="true">↓</span>
          {jumpLabel || "Jump to newest messages"}
        </button>
      ) : null}
    </div>
  );
}
