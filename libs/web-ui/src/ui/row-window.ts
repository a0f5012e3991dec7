import { useLayoutEffect, useState, type RefObject } from 'react';

/** Which rows of a list of fixed-height rows to draw, and the space the undrawn ones take above and below. */
export interface RowWindow {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Pixels of the rows above `start`. */
  before: number;
  /** Pixels of the rows from `end` on. */
  after: number;
}

/** The rows in view of a scroller at `top` showing `height` pixels, and `overscan` more on either side. */
export function rowWindowOf(
  top: number,
  height: number,
  count: number,
  rowHeight: number,
  overscan: number,
): RowWindow {
  const start = Math.min(count, Math.max(0, Math.floor(top / rowHeight) - overscan));
  const end = Math.min(count, Math.max(start, Math.ceil((top + height) / rowHeight) + overscan));
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight };
}

/**
 * {@link rowWindowOf} kept current as `scroller` scrolls or resizes. The grid's rows all have one height,
 * so these few lines do what a virtualisation library would, without its ~34 KB in the bundle a cold
 * open of the run page must load and compile. Until the scroller is measured, the window is the screen.
 */
export function useRowWindow(
  scroller: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  overscan: number,
): RowWindow {
  const [view, setView] = useState(() => ({ top: 0, height: window.innerHeight }));
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () =>
      setView((v) =>
        v.top === element.scrollTop && v.height === element.clientHeight
          ? v
          : { top: element.scrollTop, height: element.clientHeight },
      );
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    const resized = new ResizeObserver(measure);
    resized.observe(element);
    return () => {
      element.removeEventListener('scroll', measure);
      resized.disconnect();
    };
  }, [scroller]);
  return rowWindowOf(view.top, view.height, count, rowHeight, overscan);
}
