// The tab says what waits for you, and the browser tells you while you are elsewhere.
// TabBadge: "(3) " before the page's title and a red dot on the favicon, from the count the
// server keeps (unseen mentions + unread DM messages, muted ones left out: domain/notify_rules.py).
// NotifyButton: asks for the Notification permission, only when clicked (never on load).
// window.__ncNotify(items): called by the live event path (web/state/live_events.py) with the
// messages that notify this person; shown only while the tab is hidden and permission is granted.
import { useEffect, useState } from "react";

const PREFIX = /^\(\d+\+?\) /;

function titleWith(count) {
  const base = document.title.replace(PREFIX, "");
  return count > 0 ? `(${count > 99 ? "99+" : count}) ${base}` : base;
}

function iconLink() {
  let link = document.querySelector('link[rel~="icon"]');
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    link.href = "/favicon.ico";
    document.head.appendChild(link);
  }
  if (!link.dataset.ncBase) link.dataset.ncBase = link.href;
  return link;
}

function drawBadge(link, count) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 32;
  const ctx = canvas.getContext("2d");
  const finish = () => {
    ctx.fillStyle = "#e5484d";
    ctx.beginPath();
    ctx.arc(22, 10, 10, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = "#fff";
    ctx.font = "bold 13px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(count > 9 ? "9+" : String(count), 22, 11);
    link.href = canvas.toDataURL("image/png");
    link.dataset.ncCount = String(count);
  };
  const image = new Image();
  image.onload = () => { ctx.drawImage(image, 0, 0, 32, 32); finish(); };
  image.onerror = finish;
  image.src = link.dataset.ncBase;
}

export function TabBadge({ count }) {
  useEffect(() => {
    const apply = () => {
      const wanted = titleWith(count);
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    const observer = new MutationObserver(apply); // the router sets each page's own title
    observer.observe(document.head, { childList: true, subtree: true, characterData: true });
    const link = iconLink();
    if (count > 0) drawBadge(link, count);
    else if (link.href !== link.dataset.ncBase) { link.href = link.dataset.ncBase; delete link.dataset.ncCount; }
    return () => observer.disconnect();
  }, [count]);
  return null;
}

const LABELS = {
  default: "Enable notifications",
  granted: "Notifications on",
  denied: "Notifications blocked",
  unsupported: "Notifications not supported",
};
const HINTS = {
  default: "Let this browser show a notification for DMs, mentions and replies in your threads while the tab is hidden",
  granted: "This browser shows a notification for DMs, mentions and replies in your threads while the tab is hidden",
  denied: "Notifications are blocked in this browser's site settings",
  unsupported: "This browser cannot show notifications",
};

export function NotifyButton() {
  const [permission, setPermission] = useState("default");
  useEffect(() => {
    const read = () => setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
    read();
    window.addEventListener("focus", read); // changed in the browser's site settings meanwhile
    return () => window.removeEventListener("focus", read);
  }, []);
  const ask = async () => {
    if (typeof Notification === "undefined") return;
    setPermission(await Notification.requestPermission()); // prompts only while undecided
  };
  return (
    <button
      type="button"
      onClick={ask}
      aria-disabled={permission !== "default"}
      title={HINTS[permission]}
      data-permission={permission}
      className="rt-reset rt-BaseButton rt-r-size-1 rt-variant-ghost rt-Button"
      data-accent-color={permission === "default" ? "" : "gray"}
      style={{ justifyContent: "flex-start", width: "100%" }}
    >
      {LABELS[permission]}
    </button>
  );
}

if (typeof window !== "undefined") {
  window.__ncNotify = (items) => {
    if (!document.hidden || typeof Notification === "undefined" || Notification.permission !== "granted") return;
    for (const item of items) {
      const shown = new Notification(item.title, { body: item.body, tag: `nc-${item.id}` });
      shown.onclick = () => { window.focus(); window.location.assign(item.href); shown.close(); };
    }
  };
}
