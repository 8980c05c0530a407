// Stroke icons drawn on a 20×20 grid. Decorative by default (aria-hidden):
// the control that holds an icon carries the accessible name.
import type { ReactElement } from "react";

const PATHS = {
  overview: (
    <>
      <rect x="3" y="3" width="6" height="6" rx="1.5" />
      <rect x="11" y="3" width="6" height="4" rx="1.5" />
      <rect x="11" y="9" width="6" height="8" rx="1.5" />
      <rect x="3" y="11" width="6" height="6" rx="1.5" />
    </>
  ),
  connections: (
    <>
      <path d="M8.5 11.5 11.5 8.5" />
      <path d="M9.5 5.5 11 4a3.2 3.2 0 0 1 4.5 4.5L14 10" />
      <path d="M10.5 14.5 9 16a3.2 3.2 0 0 1-4.5-4.5L6 10" />
    </>
  ),
  mappings: (
    <>
      <path d="M3 7h11" />
      <path d="m11 4 3 3-3 3" />
      <path d="M17 13H6" />
      <path d="m9 10-3 3 3 3" />
    </>
  ),
  token: (
    <>
      <circle cx="7" cy="13" r="3.5" />
      <path d="m9.5 10.5 7-7" />
      <path d="m14 6 2 2" />
      <path d="m12 8 1.5 1.5" />
    </>
  ),
  logs: (
    <>
      <path d="M7 5h10" />
      <path d="M7 10h10" />
      <path d="M7 15h10" />
      <circle cx="3.75" cy="5" r="0.75" />
      <circle cx="3.75" cy="10" r="0.75" />
      <circle cx="3.75" cy="15" r="0.75" />
    </>
  ),
  inventory: (
    <>
      <circle cx="8" cy="7" r="3" />
      <path d="M2.5 16.5a5.5 5.5 0 0 1 11 0" />
      <path d="M13 4.2a3 3 0 0 1 0 5.6" />
      <path d="M15.5 12a5.5 5.5 0 0 1 2 4.5" />
    </>
  ),
  troubleshooting: (
    <>
      <path d="M4 5.5 5.5 7 8 4.5" />
      <path d="M4 10.5 5.5 12 8 9.5" />
      <path d="M10.5 6h6" />
      <path d="M10.5 11h6" />
      <path d="M4.5 15.5h12" />
    </>
  ),
  incidents: (
    <>
      <path d="M10 3 2.5 16h15L10 3Z" />
      <path d="M10 8v3.5" />
      <circle cx="10" cy="13.75" r="0.6" />
    </>
  ),
  settings: (
    <>
      <circle cx="10" cy="10" r="2.5" />
      <path d="M10 2.5v2M10 15.5v2M2.5 10h2M15.5 10h2M4.7 4.7l1.4 1.4M13.9 13.9l1.4 1.4M4.7 15.3l1.4-1.4M13.9 6.1l1.4-1.4" />
    </>
  ),
  plus: (
    <>
      <path d="M10 4v12" />
      <path d="M4 10h12" />
    </>
  ),
  edit: (
    <>
      <path d="M12.5 4.5 15.5 7.5 7 16H4v-3l8.5-8.5Z" />
    </>
  ),
  trash: (
    <>
      <path d="M3.5 5.5h13" />
      <path d="M8 5.5V4h4v1.5" />
      <path d="M5 5.5 6 16.5h8l1-11" />
    </>
  ),
  eye: (
    <>
      <path d="M2 10s3-5.5 8-5.5S18 10 18 10s-3 5.5-8 5.5S2 10 2 10Z" />
      <circle cx="10" cy="10" r="2.5" />
    </>
  ),
  eyeOff: (
    <>
      <path d="M2 10s3-5.5 8-5.5c1.4 0 2.6.4 3.7 1M18 10s-3 5.5-8 5.5c-1.4 0-2.6-.4-3.7-1" />
      <path d="M3 17 17 3" />
    </>
  ),
  close: (
    <>
      <path d="m5 5 10 10" />
      <path d="M15 5 5 15" />
    </>
  ),
  check: <path d="m4 10.5 4 4 8-9" />,
  alert: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M10 6v4.5" />
      <circle cx="10" cy="13.5" r="0.6" />
    </>
  ),
  info: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M10 9v5" />
      <circle cx="10" cy="6.5" r="0.6" />
    </>
  ),
  clock: (
    <>
      <circle cx="10" cy="10" r="7.5" />
      <path d="M10 5.5V10l3 2" />
    </>
  ),
  entra: (
    <>
      <path d="M10 2.5 3 7v6l7 4.5 7-4.5V7l-7-4.5Z" />
      <path d="M3 7l7 4.5L17 7" />
      <path d="M10 11.5v6" />
    </>
  ),
  scim: (
    <>
      <rect x="3" y="3.5" width="14" height="5" rx="1.5" />
      <rect x="3" y="11.5" width="14" height="5" rx="1.5" />
      <circle cx="6" cy="6" r="0.6" />
      <circle cx="6" cy="14" r="0.6" />
    </>
  ),
  arrowRight: (
    <>
      <path d="M4 10h12" />
      <path d="m11 5 5 5-5 5" />
    </>
  ),
  refresh: (
    <>
      <path d="M16 10a6 6 0 1 1-1.8-4.3" />
      <path d="M16 3.5v3.5h-3.5" />
    </>
  ),
  copy: (
    <>
      <rect x="7" y="7" width="9.5" height="9.5" rx="1.5" />
      <path d="M13 4.5V4a1 1 0 0 0-1-1H4.5a1 1 0 0 0-1 1v7.5a1 1 0 0 0 1 1H5" />
    </>
  ),
  chevronDown: <path d="m5.5 8 4.5 4.5L14.5 8" />,
  play: <path d="M6.5 4.5v11l9-5.5-9-5.5Z" />,
  stop: <rect x="5" y="5" width="10" height="10" rx="1.5" />,
  bell: (
    <>
      <path d="M5 13.5V9a5 5 0 0 1 10 0v4.5l1.5 1.5h-13L5 13.5Z" />
      <path d="M8.5 17.5a1.6 1.6 0 0 0 3 0" />
    </>
  ),
  upload: (
    <>
      <path d="M10 13V3.5" />
      <path d="m6 7.5 4-4 4 4" />
      <path d="M3.5 12.5v3a1 1 0 0 0 1 1h11a1 1 0 0 0 1-1v-3" />
    </>
  ),
  external: (
    <>
      <path d="M11 3.5h5.5V9" />
      <path d="M16.5 3.5 9 11" />
      <path d="M14 12v3.5a1 1 0 0 1-1 1H4.5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1H8" />
    </>
  ),
} satisfies Record<string, ReactElement>;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 18, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : "icon"}
      width={size}
      height={size}
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.6}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[name]}
    </svg>
  );
}
