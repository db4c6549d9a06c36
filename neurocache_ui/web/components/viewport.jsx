// Keeps the CSS variable --app-height equal to the visible viewport's height, so
// the hub's shell (and the composer at its bottom) stays above a phone's
// on-screen keyboard, which shrinks the visual viewport but not 100vh or 100dvh
// on every browser.
import { useEffect } from "react";

export function ViewportHeight() {
  useEffect(() => {
    const viewport = window.visualViewport;
    if (!viewport) return;
    const root = document.documentElement;
    const update = () => root.style.setProperty("--app-height", `${Math.round(viewport.height)}px`);
    update();
    viewport.addEventListener("resize", update);
    return () => viewport.removeEventListener("resize", update);
  }, []);
  return null;
}
