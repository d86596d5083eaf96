/** One Server-Sent Event: its name ("message" when the stream gave none) and its data lines joined by "\n". */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The events of a `text/event-stream` body, as the HTML standard parses them:
 * `event:`, `data:` (several lines join with "\n") and `id:` fields, comment
 * lines starting with ":", an event dispatched at each blank line, any line
 * ending (CRLF, LF, CR) even when split across chunks. Ends with the stream.
 *
 * @example
 * for await (const e of readSse(res.body!)) if (e.event === "proxy-acked") console.log(JSON.parse(e.data));
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;

  const takeLine = (line: string): SseEvent | undefined => {
    if (line === "") {
      const out = data.length > 0 ? { event: event || "message", data: data.join("\n"), ...(id === undefined ? {} : { id }) } : undefined;
      event = "";
      data = [];
      return out;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    return undefined;
  };

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the first half of a CRLF still in flight.
      if (!m || (m[0] === "\r" && m.index === buffer.length - 1)) break;
      const line = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      const e = takeLine(line);
      if (e) yield e;
    }
  }
  buffer += decoder.decode();
  // An event without its closing blank line is incomplete: the standard drops it.
  for (const line of buffer.split(/\r\n|\r|\n/).slice(0, -1)) {
    const e = takeLine(line);
    if (e) yield e;
  }
}
