import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { lifetime, ToastProvider, useToasts } from "./Toasts";

function Pusher() {
  const { push } = useToasts();
  return (
    <button type="button" onClick={() => push({ tone: "success", title: "Saved" })}>
      push
    </button>
  );
}

describe("Toasts", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const life = lifetime({});
  const setup = () => {
    render(
      <ToastProvider>
        <Pusher />
      </ToastProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "push" }));
    return screen.getByText("Saved").closest(".toast") as HTMLElement;
  };

  test("dismiss themselves after their lifetime", () => {
    setup();
    act(() => vi.advanceTimersByTime(life - 100));
    expect(screen.queryByText("Saved")).not.toBeNull();
    act(() => vi.advanceTimersByTime(200));
    expect(screen.queryByText("Saved")).toBeNull();
  });

  test("pause while hovered, resume when the pointer leaves", () => {
    const toast = setup();
    fireEvent.mouseEnter(toast);
    act(() => vi.advanceTimersByTime(life * 3));
    expect(screen.queryByText("Saved")).not.toBeNull();
    fireEvent.mouseLeave(toast);
    act(() => vi.advanceTimersByTime(life + 10));
    expect(screen.queryByText("Saved")).toBeNull();
  });

  test("pause while focus is inside (keyboard users), and stay closable", () => {
    const toast = setup();
    const close = screen.getByRole("button", { name: "Dismiss notification" });
    fireEvent.focus(close);
    act(() => vi.advanceTimersByTime(life * 3));
    expect(toast.isConnected).toBe(true);
    fireEvent.click(close);
    expect(screen.queryByText("Saved")).toBeNull();
  });

  test("notes make a toast stay longer", () => {
    expect(lifetime({ lines: ["a", "b"] })).toBe(life + 6_000);
  });
});
