package dev.coldbrew.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * {@code coldbrew get events [--watch]}: the platform's event log (scale-ups and downs, cold
 * starts, SKS mode changes, instance starts and exits) in kubectl's columns, {@code LAST SEEN TYPE
 * REASON OBJECT MESSAGE}. Not thread-safe.
 */
final class EventsView {
  private static final Set<String> NAMES = Set.of("events", "event", "ev");
  private static final String WATCH_FORMAT = "%-10s %-8s %-16s %-32s %s%n";

  private EventsView() {}

  static boolean isEvents(String kind) {
    return NAMES.contains(kind.toLowerCase(Locale.ROOT));
  }

  static int print(ClientCommand cmd, String namespace, boolean headers, boolean watch) {
    String path =
        namespace == null
            ? "/events"
            : "/events/namespaces/" + URLEncoder.encode(namespace, StandardCharsets.UTF_8);
    PrintWriter out = cmd.out();
    boolean all = namespace == null;
    if (watch) {
      if (headers) {
        out.printf(WATCH_FORMAT, "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
        out.flush();
      }
      cmd.client().stream(
          path + "?watch=true",
          line -> {
            if (line.isBlank()) {
              return;
            }
            JsonNode e = parse(line);
            out.printf(
                WATCH_FORMAT,
                Table.age(e.path("lastTimestamp").asText(null), cmd.clock()),
                e.path("type").asText(),
                e.path("reason").asText(),
                object(e, all),
                e.path("message").asText());
            out.flush();
          });
      return 0;
    }
    JsonNode list = parse(cmd.client().getText(path));
    if (list.path("items").isEmpty()) {
      cmd.err().println("No events found" + (all ? "." : " in " + namespace + " namespace."));
      cmd.err().flush();
      return 0;
    }
    Table t =
        all
            ? new Table(headers, "NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
            : new Table(headers, "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
    for (JsonNode e : list.path("items")) {
      String age = Table.age(e.path("lastTimestamp").asText(null), cmd.clock());
      if (all) {
        t.row(
            e.path("namespace").asText(),
            age,
            e.path("type").asText(),
            e.path("reason").asText(),
            e.path("object").asText(),
            e.path("message").asText());
      } else {
        t.row(
            age,
            e.path("type").asText(),
            e.path("reason").asText(),
            e.path("object").asText(),
            e.path("message").asText());
      }
    }
    t.print(out);
    return 0;
  }

  private static String object(JsonNode e, boolean withNamespace) {
    String o = e.path("object").asText();
    return withNamespace ? e.path("namespace").asText() + "/" + o : o;
  }

  private static JsonNode parse(String json) {
    try {
      return ResourceCodec.json().readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
