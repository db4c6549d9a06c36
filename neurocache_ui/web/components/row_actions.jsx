// A message row's toolbar (react, reply, pin, save, edit, delete …), drawn only once
// its row is pointed at, tapped or focused, and kept from then on. Hidden until then
// anyway, it was two thirds of every row's elements: each new message made the page
// restyle and lay out a log a third larger (bench/bench_delivery.py, "main thread per
// message"). Keyboard: ArrowUp/ArrowDown in the log focus a message (follow_log.jsx),
// which draws its toolbar, and Tab reaches it.
import { useEffect, useRef, useState } from "react";

export function RowActions({ children }) {
  const holder = useRef(null);
  const [shown, setShown] = useState(false);

  useEffect(() => {
    const row = holder.current?.parentElement;
    if (shown || !row) return;
    const show = () => setShown(true);
    row.addEventListener("pointerenter", show);
    row.addEventListener("focusin", show);
    if (row.matches(":hover") || row.contains(document.activeElement)) show();
    return () => {
      row.removeEventListener("pointerenter", show);
      row.removeEventListener("focusin", show);
    };
  }, [shown]);

  return (
    <div ref={holder} style={{ display: "contents" }}>
      {shown ? children : null}
    </div>
  );
}
