// The reaction picker's body: a search box and a grid of the hub's emoji (each a
// button named by its character, its name as the tooltip). Typing filters by
// name; picking one calls `onPick(emoji)` and closes the picker (Escape, which
// the surrounding Radix popover listens for).
import { useMemo, useState } from "react";

const gridStyle = {
  display: "grid",
  gridTemplateColumns: "repeat(8, 2rem)",
  gap: "2px",
  maxHeight: "14rem",
  overflowY: "auto",
  paddingRight: "2px",
};

const buttonStyle = {
  width: "2rem",
  height: "2rem",
  border: "none",
  borderRadius: "var(--radius-2)",
  background: "transparent",
  fontSize: "1.25rem",
  lineHeight: 1,
  cursor: "pointer",
};

export function EmojiGrid({ emoji, onPick }) {
  const [query, setQuery] = useState("");
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? (emoji || []).filter(([, name]) => name.includes(q)) : emoji || [];
  }, [emoji, query]);
  const pick = (char) => {
    onPick?.(char);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
  };
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: "var(--space-2)", width: "calc(16rem + 14px + 4px)" }}>
      <input
        type="search"
        aria-label="Search emoji"
        placeholder="Search emoji…"
        autoFocus
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        style={{
          height: "var(--space-6)",
          padding: "0 var(--space-2)",
          border: "1px solid var(--gray-7)",
          borderRadius: "var(--radius-2)",
          background: "var(--color-surface)",
          color: "var(--gray-12)",
          fontSize: "var(--font-size-2)",
        }}
      />
      <div role="group" aria-label="Emoji" style={gridStyle}>
        {shown.map(([char, name]) => (
          <button key={char} type="button" aria-label={char} title={name} style={buttonStyle} className="emoji-choice" onClick={() => pick(char)}>
            {char}
          </button>
        ))}
      </div>
      {shown.length ? null : <p style={{ margin: 0, color: "var(--gray-11)", fontSize: "var(--font-size-1)" }}>No emoji match.</p>}
    </div>
  );
}
