// Keeps a scrolling log pinned to its newest entry, the way chat apps do: while the
// person is at the bottom (within SLACK px), anything that grows the log (new
// entries, streamed text, images loading, a resize) scrolls it down; once they
// scroll up to read, it stays where they are until they come back down.
//
// Render <FollowLog /> as the last child of the scrolling element: it draws
// nothing and follows its parent, so it mounts and unmounts with the log.
import { useEffect, useRef } from "react";

const SLACK = 48;

export function FollowLog() {
  const marker = useRef(null);
  useEffect(() => {
    const log = marker.current?.parentElement;
    if (!log) return undefined;
    let pinned = true;
    const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight <= SLACK;
    const follow = () => {
      if (pinned) log.scrollTop = log.scrollHeight;
    };
    const onScroll = () => {
      pinned = atBottom();
    };
    log.addEventListener("scroll", onScroll, { passive: true });
    const sizes = new ResizeObserver(follow);
    sizes.observe(log);
    for (const child of log.children) sizes.observe(child);
    const mutations = new MutationObserver((records) => {
      for (const record of records) {
        if (record.target !== log) continue;
        // New entries are watched too: an image or a code block may grow after it is added.
        for (const node of record.addedNodes) if (node instanceof Element) sizes.observe(node);
      }
      follow();
    });
    mutations.observe(log, { childList: true, subtree: true, characterData: true });
    follow();
    return () => {
      log.removeEventListener("scroll", onScroll);
      mutations.disconnect();
      sizes.disconnect();
    };
  }, []);
  return <span ref={marker} hidden />;
}
