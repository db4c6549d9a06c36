// "Bob is typing…": who is typing in one place (the channel, or one thread). The
// server sends each notice as it comes; a name goes 5 s after that person's last
// notice (or at once when their message arrives), counted here in the page, so a
// stopped typist never lingers until the next server update.
import { useEffect, useRef, useState } from "react";

const IDLE_MS = 5000;

function sentence(names) {
  if (!names.length) return "";
  const shown = names.slice(0, 3).join(", ");
  return `${shown} ${names.length === 1 ? "is" : "are"} typing…`;
}

export function TypingLine({ entries, scope, className, style }) {
  const seen = useRef(new Map()); // "name|at" of each notice -> when it arrived here
  const [now, setNow] = useState(() => Date.now());

  const mine = (entries || []).filter((entry) => Number(entry.thread || 0) === Number(scope || 0));
  const arrival = Date.now();
  for (const entry of mine) {
    const key = `${entry.name}|${entry.at}`;
    if (!seen.current.has(key)) seen.current.set(key, arrival);
  }
  const live = mine.filter((entry) => now - (seen.current.get(`${entry.name}|${entry.at}`) ?? now) < IDLE_MS);

  useEffect(() => {
    if (!live.length) return undefined;
    const timer = setTimeout(() => setNow(Date.now()), 500);
    return () => clearTimeout(timer);
  });
  useEffect(() => setNow(Date.now()), [entries]);

  return (
    <div className={className} style={{ minHeight: "1.2em", ...style }} aria-live="polite">
      {sentence(live.map((entry) => entry.name))}
    </div>
  );
}
