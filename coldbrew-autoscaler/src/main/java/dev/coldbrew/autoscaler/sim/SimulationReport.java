package dev.coldbrew.autoscaler.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Renders a {@link Simulator.Result} as CSV, JSON or a table. Stateless. */
public final class SimulationReport {
  private static final String[] HEADER = {
    "second",
    "poke",
    "valid",
    "stable",
    "panic",
    "desired",
    "ebc",
    "panicking",
    "scale",
    "instances",
    "ready",
    "sks",
    "active"
  };

  private SimulationReport() {}

  /** One CSV row per tick, a blank line, then {@code key,value} summary lines. */
  public static String csv(Simulator.Result result) {
    StringBuilder sb = new StringBuilder(String.join(",", HEADER)).append('\n');
    for (String[] row : rows(result)) {
      sb.append(String.join(",", row)).append('\n');
    }
    sb.append('\n');
    for (String[] kv : summary(result.summary())) {
      sb.append(kv[0]).append(',').append(kv[1]).append('\n');
    }
    return sb.toString();
  }

  /** An aligned table of ticks, then the summary. */
  public static String table(Simulator.Result result) {
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[HEADER.length];
    for (int i = 0; i < HEADER.length; i++) {
      header[i] = HEADER[i].toUpperCase(java.util.Locale.ROOT);
    }
    rows.add(header);
    rows.addAll(rows(result));
    StringBuilder sb = new StringBuilder(Tables.render(rows)).append('\n');
    List<String[]> summary = new ArrayList<>();
    summary.add(new String[] {"SUMMARY", ""});
    summary.addAll(summary(result.summary()));
    sb.append(Tables.render(summary));
    return sb.toString();
  }

  /** {@code {"ticks": [...], "summary": {...}}}. */
  public static String json(Simulator.Result result) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    var ticks = root.putArray("ticks");
    for (Simulator.Tick t : result.ticks()) {
      ObjectNode n = ticks.addObject();
      n.put("at", t.atMillis() / 1000.0);
      n.put("poke", t.poke());
      n.put("valid", t.valid());
      n.put("stable", t.stable());
      n.put("panic", t.panic());
      n.put("desired", t.desired());
      n.put("excessBurstCapacity", t.excessBurstCapacity());
      n.put("panicking", t.panicking());
      n.put("scale", t.scale());
      n.put("instances", t.instances());
      n.put("ready", t.ready());
      n.put("sksMode", t.sksMode().wireName());
      n.put("active", t.active());
    }
    Simulator.Summary s = result.summary();
    ObjectNode sum = root.putObject("summary");
    sum.put("instanceSeconds", s.instanceSeconds());
    sum.put("coldStarts", s.coldStarts());
    sum.put("instanceStarts", s.instanceStarts());
    sum.put("peakInstances", s.peakInstances());
    sum.put("requests", s.requests());
    sum.put("waitedRequests", s.waitedRequests());
    sum.put("totalWaitMillis", s.totalWaitMillis());
    sum.put("maxWaitMillis", s.maxWaitMillis());
    sum.put("unservedRequests", s.unservedRequests());
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String[]> rows(Simulator.Result result) {
    List<String[]> rows = new ArrayList<>();
    for (Simulator.Tick t : result.ticks()) {
      rows.add(
          new String[] {
            Tables.number(t.atMillis() / 1000.0),
            t.poke() ? "yes" : "no",
            String.valueOf(t.valid()),
            Tables.number(t.stable()),
            Tables.number(t.panic()),
            String.valueOf(t.desired()),
            String.valueOf(t.excessBurstCapacity()),
            t.panicking() ? "yes" : "no",
            String.valueOf(t.scale()),
            String.valueOf(t.instances()),
            String.valueOf(t.ready()),
            t.sksMode().wireName(),
            t.active()
          });
    }
    return rows;
  }

  private static List<String[]> summary(Simulator.Summary s) {
    double meanWait =
        s.waitedRequests() == 0 ? 0 : (double) s.totalWaitMillis() / s.waitedRequests();
    return List.of(
        new String[] {"instanceSeconds", Tables.number(s.instanceSeconds())},
        new String[] {"coldStarts", String.valueOf(s.coldStarts())},
        new String[] {"instanceStarts", String.valueOf(s.instanceStarts())},
        new String[] {"peakInstances", String.valueOf(s.peakInstances())},
        new String[] {"requests", String.valueOf(s.requests())},
        new String[] {"waitedRequests", String.valueOf(s.waitedRequests())},
        new String[] {"meanWaitMs", Tables.number(Math.round(meanWait * 10) / 10.0)},
        new String[] {"maxWaitMs", String.valueOf(s.maxWaitMillis())},
        new String[] {"unservedRequests", String.valueOf(s.unservedRequests())});
  }
}
