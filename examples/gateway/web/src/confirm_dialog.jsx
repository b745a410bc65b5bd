// A modal confirmation before something that cannot be undone: open while
// `item` is set; Escape or Cancel closes it (Cancel has the focus first).
import { useEffect, useRef } from "preact/hooks";

export function ConfirmDialog({ item, title, children, action = "Delete", onConfirm, onCancel }) {
  const dialog = useRef(null);
  useEffect(() => {
    if (item && !dialog.current.open) dialog.current.showModal();
  }, [item]);
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onClose={onCancel}>
      <h2 id="confirm-title">{title}</h2>
      {children}
      <div class="actions">
        <button type="button" class="danger" onClick={() => (dialog.current.close(), onConfirm(item))}>
          {action}
        </button>
        <button type="button" class="secondary" onClick={() => dialog.current.close()} autofocus>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
