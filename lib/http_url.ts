/**
 * Absolute http(s) URLs that `fetch` can reach. `fetch` refuses, before
 * connecting, every port on the Fetch standard's "bad port" list (6000,
 * 6666, 10080, ...): a URL on one of them would fail every request and
 * export, so it is rejected up front with the reason.
 *
 * @module
 */

/** The Fetch standard's bad ports (https://fetch.spec.whatwg.org/#bad-port). */
export const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set(
  `1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103
   104 109 110 111 113 115 117 119 123 135 137 139 143 161 179 389 427 465 512
   513 514 515 526 530 531 532 540 548 554 556 563 587 601 636 989 990 993 995
   1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 6668
   6669 6679 6697 10080`.split(/\s+/).map(Number),
);

/** What an http(s) URL must be; the "expected ..." part of an error. */
export const HTTP_URL_EXPECTED = "an absolute http:// or https:// URL";

/** Why fetch would refuse `port`, or undefined when it would not. */
export function blockedPortReason(port: number): string | undefined {
  return FETCH_BLOCKED_PORTS.has(port)
    ? `port ${port} is one fetch refuses (the Fetch standard's bad ports)`
    : undefined;
}

/**
 * Parses `value` as an absolute http(s) URL on a port fetch allows; on
 * failure, the "expected ..." text for a one-line error.
 */
export function parseHttpUrl(
  value: string,
): { readonly url: URL } | { readonly expected: string } {
  const url = URL.parse(value.trim());
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    return { expected: HTTP_URL_EXPECTED };
  }
  // An empty port is the scheme's default (80 or 443), never a bad port.
  const blocked = url.port && blockedPortReason(Number(url.port));
  if (blocked) {
    return { expected: `${HTTP_URL_EXPECTED} on another port: ${blocked}` };
  }
  return { url };
}
