// Escape closes the panel this belongs to (the thread panel), unless something
// drawn above it (a dialog, a menu, a popover, the mention list) takes the key.
import { useEffect } from "react";

const LAYERS = '[role="dialog"], [role="alertdialog"], [role="menu"], [data-radix-popper-content-wrapper], [role="listbox"]';

export function EscapeKey({ onEscape }) {
  useEffect(() => {
    const onKey = (event) => {
      if (event.key !== "Escape" || event.defaultPrevented || document.querySelector(LAYERS)) return;
      onEscape?.();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onEscape]);
  return null;
}
