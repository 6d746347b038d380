import { useEffect } from "preact/hooks";

/**
 * Calls `tick` every `intervalMs` while `active` is true; stops when it turns false or the component
 * unmounts (the page is left), so a finished job is not polled for ever. A hidden tab skips its ticks.
 */
export function usePolling(tick: () => void, active: boolean, intervalMs = 2000): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState !== "hidden") tick();
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [tick, active, intervalMs]);
}
