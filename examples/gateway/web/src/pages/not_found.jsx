export function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no such page. Go to your <a href="/connectors">connectors</a>.
      </p>
    </section>
  );
}
