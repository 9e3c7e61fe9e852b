import type { ReactNode } from 'react';

/**
 * A list as a table: its column headings and a row per item; with no item, what to say instead
 * (how data gets in, or that a filter matched nothing); nothing while it is not read yet. Rows
 * stay the page's: their row header, cells and data attributes differ from list to list.
 */
export function DataTable<Item>({
  testId,
  columns,
  items,
  row,
  empty = null,
}: {
  testId?: string;
  /** A heading per column; null for a column the caller's role does not get. */
  columns: (ReactNode | null)[];
  items: readonly Item[] | null | undefined;
  row: (item: Item) => ReactNode;
  /** What to say with no item; nothing for a list that is never empty. */
  empty?: ReactNode;
}) {
  if (!items) return null;
  if (items.length === 0) return <>{empty}</>;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns
              .filter((column) => column !== null)
              .map((column, index) => (
                <th key={index} scope="col">
                  {column}
                </th>
              ))}
          </tr>
        </thead>
        <tbody>{items.map(row)}</tbody>
      </table>
    </div>
  );
}
