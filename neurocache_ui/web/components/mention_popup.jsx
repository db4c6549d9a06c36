// The @mention popup of a chat text box: typing "@" and the start of a name lists
// the channel's people and agents; ArrowUp/ArrowDown move, Enter or Tab insert the
// mention (without sending), Escape closes the list and keeps the text. It runs in
// the page: no round trip per keystroke. The keys are taken on the text box itself,
// before React's handlers (Enter-sends) see them.
import { useEffect, useRef, useState } from "react";

const MAX_OPTIONS = 8;
const QUERY = /(?:^|[\s(,;])@([^\s@][^@\n]{0,39}|)$/;

function matches(candidates, query) {
  const q = query.toLowerCase();
  return (candidates || [])
    .filter((c) => {
      const label = String(c.label).toLowerCase();
      const insert = String(c.insert).toLowerCase();
      return label.startsWith(q) || insert.startsWith(q) || label.split(/\s+/).some((word) => word.startsWith(q));
    })
    .slice(0, MAX_OPTIONS);
}

function setText(box, text, caret) {
  // Through the native setter, so React's onChange (typing notices) sees it.
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box), "value").set;
  setter.call(box, text);
  box.setSelectionRange(caret, caret);
  box.dispatchEvent(new Event("input", { bubbles: true }));
}

const listStyle = {
  position: "absolute",
  bottom: "calc(100% + 4px)",
  left: 0,
  zIndex: 20,
  minWidth: "14rem",
  maxWidth: "min(24rem, 100%)",
  margin: 0,
  padding: "var(--space-1)",
  listStyle: "none",
  background: "var(--color-panel-solid)",
  border: "1px solid var(--gray-6)",
  borderRadius: "var(--radius-3)",
  boxShadow: "var(--shadow-5)",
};

export function MentionPopup({ inputId, candidates, label }) {
  const [state, setState] = useState({ open: false, options: [], active: 0, start: 0 });
  const current = useRef(state);
  current.current = state;
  const listId = `${inputId}-mentions`;
  const optionId = (index) => `${listId}-${index}`;

  useEffect(() => {
    const box = document.getElementById(inputId);
    if (!box) return;
    const close = () => setState((s) => (s.open ? { ...s, open: false } : s));
    const pick = (index) => {
      const { options, start } = current.current;
      const chosen = options[index];
      if (!chosen) return;
      const caret = box.selectionStart ?? box.value.length;
      const inserted = `@${chosen.insert} `;
      setText(box, box.value.slice(0, start) + inserted + box.value.slice(caret), start + inserted.length);
      close();
      box.focus();
    };
    const onInput = () => {
      const caret = box.selectionStart ?? box.value.length;
      const found = QUERY.exec(box.value.slice(0, caret));
      if (!found) return close();
      const options = matches(candidates, found[1]);
      // Nothing to complete: no match, or the one match already typed out in full
      // (then Enter sends, as it would without the list).
      const complete = options.length === 1 && String(options[0].insert).toLowerCase() === found[1].toLowerCase();
      if (!options.length || complete) return close();
      setState({ open: true, options, active: 0, start: caret - found[1].length - 1 });
    };
    const onKey = (event) => {
      const s = current.current;
      if (!s.open) return;
      const count = s.options.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const step = event.key === "ArrowDown" ? 1 : -1;
        setState({ ...s, active: (s.active + step + count) % count });
      } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        pick(s.active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    };
    const onBlur = () => setTimeout(close, 150);
    box.__pickMention = pick;
    box.addEventListener("input", onInput);
    box.addEventListener("click", onInput);
    box.addEventListener("keydown", onKey);
    box.addEventListener("blur", onBlur);
    return () => {
      box.removeEventListener("input", onInput);
      box.removeEventListener("click", onInput);
      box.removeEventListener("keydown", onKey);
      box.removeEventListener("blur", onBlur);
    };
  }, [inputId, candidates]);

  // The text box names the list it controls and the highlighted option.
  useEffect(() => {
    const box = document.getElementById(inputId);
    if (!box) return;
    box.setAttribute("aria-autocomplete", "list");
    if (state.open) {
      box.setAttribute("aria-controls", listId);
      box.setAttribute("aria-activedescendant", optionId(state.active));
    } else {
      box.removeAttribute("aria-controls");
      box.removeAttribute("aria-activedescendant");
    }
  }, [state.open, state.active, inputId]);

  if (!state.open) return null;
  return (
    <ul role="listbox" id={listId} aria-label={label || "Mention suggestions"} style={listStyle}>
      {state.options.map((option, index) => (
        <li
          key={`${option.kind}-${option.insert}`}
          id={optionId(index)}
          role="option"
          aria-selected={index === state.active ? "true" : "false"}
          onMouseDown={(event) => {
            event.preventDefault(); // keep the focus in the text box
            document.getElementById(inputId)?.__pickMention?.(index);
          }}
          style={{
            display: "flex",
            alignItems: "baseline",
            gap: "var(--space-2)",
            padding: "var(--space-1) var(--space-2)",
            borderRadius: "var(--radius-2)",
            cursor: "pointer",
            background: index === state.active ? "var(--accent-4)" : "transparent",
            fontSize: "var(--font-size-2)",
          }}
        >
          <span aria-hidden="true">{option.icon}</span>
          <span style={{ fontWeight: 500 }}>{option.label}</span>
          {option.hint ? <span style={{ color: "var(--gray-11)", fontSize: "var(--font-size-1)" }}>{option.hint}</span> : null}
        </li>
      ))}
    </ul>
  );
}
