import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode, type RefObject } from 'react';

/*
 * Long lists (a project's issues, a trace's spans) keep in the DOM only the rows near what is in
 * view, inside a scrolling box of their own, so a list of thousands draws as fast as one of a
 * hundred. Rows may differ in height (an open span shows its details): each is measured once
 * drawn, and the space of the rows not drawn is held by one spacer above and one below.
 */

export interface VirtualRows {
  /** Indexes of the rows to draw, with the element ref that measures each. */
  items: { index: number; key: string | number | bigint }[];
  measure: (element: Element | null) => void;
  /** Pixels of the rows left out above and below what is drawn. */
  before: number;
  after: number;
  /** The last row drawn: a list loading page by page asks for more as it nears its end. */
  lastIndex: number;
}

export function useVirtualRows(count: number, estimateRowPx: number, scroller: RefObject<HTMLElement | null>, rowKey?: (index: number) => string): VirtualRows {
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimateRowPx,
    overscan: 10,
    ...(rowKey ? { getItemKey: rowKey } : {}),
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items[items.length - 1];
  const total = virtualizer.getTotalSize();
  return {
    items,
    measure: virtualizer.measureElement,
    before: first?.start ?? 0,
    // Before the box is measured nothing is drawn: the spacer gives it the list's height, so it has a view to draw into.
    after: last ? Math.max(0, total - last.end) : total,
    lastIndex: last?.index ?? -1,
  };
}

/**
 * The scrolling box of a long list: focusable and named, so a keyboard scrolls it and a screen
 * reader announces it (axe's scrollable-region-focusable).
 */
export function ScrollBox({ label, boxRef, children, testId }: { label: string; boxRef: RefObject<HTMLDivElement | null>; children: ReactNode; testId?: string }) {
  return (
    <div className="scroll-box" ref={boxRef} tabIndex={0} role="region" aria-label={label} data-testid={testId}>
      {children}
    </div>
  );
}

/** A ref for a ScrollBox, for the rows to measure against. */
export const useScrollBox = () => useRef<HTMLDivElement>(null);
