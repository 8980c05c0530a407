import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import { allowedPortalUrl } from "../lib/portal";
import { fakeBackend } from "../test/backend";
import { COPIED_FALLBACK, ExternalLink, MANUAL_FALLBACK, OPENED } from "./ExternalLink";

const LINK = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/sp-1/appId/app-1";

function setClipboard(writeText: ((t: string) => Promise<void>) | null) {
  Object.defineProperty(navigator, "clipboard", { value: writeText ? { writeText } : undefined, configurable: true });
}

afterEach(() => setClipboard(null));

describe("allowedPortalUrl", () => {
  test("only https on the portal host of the connection's own cloud", () => {
    expect(allowedPortalUrl(LINK, "global")).toBe(LINK);
    expect(allowedPortalUrl("https://portal.azure.us/#view/x", "usgov")).toBe("https://portal.azure.us/#view/x");
    expect(allowedPortalUrl("https://portal.azure.cn/#view/x", "china")).toBe("https://portal.azure.cn/#view/x");
    // Another cloud's host, a look-alike, http, credentials, a port, a custom cloud, junk.
    expect(allowedPortalUrl("https://portal.azure.us/#view/x", "global")).toBeNull();
    expect(allowedPortalUrl(LINK, "usgov")).toBeNull();
    expect(allowedPortalUrl("https://entra.microsoft.com.evil.example/#view/x", "global")).toBeNull();
    expect(allowedPortalUrl("https://evil.example/?entra.microsoft.com", "global")).toBeNull();
    expect(allowedPortalUrl("http://entra.microsoft.com/#view/x", "global")).toBeNull();
    expect(allowedPortalUrl("https://admin@entra.microsoft.com/#view/x", "global")).toBeNull();
    expect(allowedPortalUrl("https://entra.microsoft.com:8443/#view/x", "global")).toBeNull();
    expect(allowedPortalUrl("https://portal.azure.com/#view/x", "global")).toBeNull();
    // A custom cloud (the demo, a proxy) gets the global admin center's links from the engine.
    expect(allowedPortalUrl(LINK, "custom")).toBe(LINK);
    expect(allowedPortalUrl("https://portal.azure.us/#view/x", "custom")).toBeNull();
    expect(allowedPortalUrl("javascript:alert(1)", "global")).toBeNull();
    expect(allowedPortalUrl("not a url", "global")).toBeNull();
    expect(allowedPortalUrl(LINK, null)).toBeNull();
  });
});

describe("ExternalLink", () => {
  test("a link on another host is shown as text, not as a link, and never opened", () => {
    const b = fakeBackend();
    render(
      <ExternalLink url="https://portal.azure.us/#view/x" cloud="global">
        Open it
      </ExternalLink>,
    );
    expect(screen.queryByRole("link")).toBeNull();
    expect(screen.getByText("https://portal.azure.us/#view/x")).toBeTruthy();
    expect(screen.getByText(/is not on the Entra portal of this connection's cloud/)).toBeTruthy();
    expect(b.count("plugin:opener|open_url")).toBe(0);
  });

  test("a click opens the portal through the opener plugin and says so", async () => {
    const b = fakeBackend();
    b.handlers["plugin:opener|open_url"] = () => null;
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard(writeText);
    render(
      <ExternalLink url={LINK} cloud="global">
        Open Provisioning
      </ExternalLink>,
    );
    const link = screen.getByRole("link", { name: "Open Provisioning" });
    expect(link.getAttribute("href")).toBe(LINK);
    expect(link.getAttribute("target")).toBeNull();
    fireEvent.click(link);
    await screen.findByText(OPENED);
    expect(b.last("plugin:opener|open_url")?.args).toEqual({ url: LINK });
    expect(writeText).not.toHaveBeenCalled();
  });

  test("with no browser the link is copied and the admin is told", async () => {
    const b = fakeBackend();
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard(writeText);
    render(
      <ExternalLink url={LINK} cloud="global">
        Open Provisioning
      </ExternalLink>,
    );
    fireEvent.click(screen.getByRole("link", { name: "Open Provisioning" }));
    await screen.findByText(new RegExp(COPIED_FALLBACK));
    expect(b.count("plugin:opener|open_url")).toBe(1);
    expect(writeText).toHaveBeenCalledWith(LINK);
  });

  test("with no browser and no clipboard the link is shown selected to copy by hand", async () => {
    fakeBackend();
    setClipboard(null);
    render(
      <ExternalLink url={LINK} cloud="global">
        Open Provisioning
      </ExternalLink>,
    );
    fireEvent.click(screen.getByRole("link", { name: "Open Provisioning" }));
    await screen.findByText(new RegExp(MANUAL_FALLBACK));
    const input = screen.getByRole("textbox", { name: "Portal link to copy" }) as HTMLInputElement;
    expect(input.value).toBe(LINK);
    await waitFor(() => expect(document.activeElement === input || input.selectionEnd === LINK.length).toBe(true));
    expect(screen.getByText(/no launcher succeeded/)).toBeTruthy();
  });

  test("the copy starts inside the click (WebKit's gesture rule) and is filled only when no browser opened", async () => {
    const b = fakeBackend();
    const written: string[] = [];
    let settled: Promise<unknown> = Promise.resolve();
    class FakeItem {
      constructor(public items: Record<string, Promise<Blob>>) {}
    }
    const write = vi.fn((items: FakeItem[]) => {
      // jsdom's Blob cannot be read back: its type and size stand for the text.
      const p = items[0]!.items["text/plain"]!.then((blob) => void written.push(`${blob.type}:${blob.size}`));
      settled = p.catch(() => {});
      return p;
    });
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { write, writeText }, configurable: true });
    vi.stubGlobal("ClipboardItem", FakeItem);
    try {
      render(
        <ExternalLink url={LINK} cloud="global">
          Open Provisioning
        </ExternalLink>,
      );
      // No browser: written through the item begun in the click, not writeText afterwards.
      fireEvent.click(screen.getByRole("link", { name: "Open Provisioning" }));
      expect(write).toHaveBeenCalledTimes(1);
      await screen.findByText(new RegExp(COPIED_FALLBACK));
      expect(written).toEqual([`text/plain:${LINK.length}`]);
      expect(writeText).not.toHaveBeenCalled();
      // A browser: the item is begun as well, but left empty.
      b.handlers["plugin:opener|open_url"] = () => null;
      fireEvent.click(screen.getByRole("link", { name: "Open Provisioning" }));
      expect(write).toHaveBeenCalledTimes(2);
      await screen.findByText(OPENED);
      await settled;
      expect(written).toHaveLength(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
