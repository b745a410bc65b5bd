// The outcome of the last action on a page: read out politely when it
// worked, as an alert when it failed.
export function Notice({ notice }) {
  return (
    <>
      <p class="live" role="status" aria-live="polite">
        {notice.error ? "" : notice.text}
      </p>
      {notice.error && (
        <p class="error" role="alert">
          {notice.text}
        </p>
      )}
    </>
  );
}
