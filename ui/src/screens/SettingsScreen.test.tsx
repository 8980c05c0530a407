import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend, reject } from "../test/backend";

async function openSettings() {
  window.location.hash = "#/settings";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Settings" });
}

describe("Settings → Notifications", () => {
  test("a test notification that was sent says so", async () => {
    const b = fakeBackend();
    b.handlers.send_test_notification = () => null;
    await openSettings();
    fireEvent.click(screen.getByRole("button", { name: "Send a test notification" }));
    const region = screen.getByRole("status", { name: "Notifications" });
    expect(await within(region).findByText("Sent — you should see it now")).toBeTruthy();
    expect(b.last("send_test_notification")!.args).toEqual({});
  });

  test("a failure shows the message", async () => {
    const b = fakeBackend();
    b.handlers.send_test_notification = () => reject("internal", "no notification service in this session");
    await openSettings();
    fireEvent.click(screen.getByRole("button", { name: "Send a test notification" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The test notification was not shown");
    expect(alert.textContent).toContain("No notification service in this session");
  });
});
