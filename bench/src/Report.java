import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the raw samples of a run ({@code bench/results/raw.tsv}: {@code bench case metric value}
 * lines, plus {@code meta key value} lines) into {@code latest.json} and {@code latest.md}: for each
 * figure its median and spread (min, p90, max, n) over the repetitions, and each benchmark's ratios.
 * Run as a single-file program: {@code java bench/src/Report.java RAW OUT_DIR}.
 */
public class Report {
  /** bench → case → metric → samples, in first-seen order. */
  static final Map<String, Map<String, Map<String, List<Double>>>> data = new LinkedHashMap<>();

  static final Map<String, String> meta = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      String[] f = line.split("\t");
      if (f.length == 3 && f[0].equals("meta")) {
        meta.put(f[1], f[2]);
        continue;
      }
      if (f.length != 4) {
        continue;
      }
      double v;
      try {
        v = Double.parseDouble(f[3]);
      } catch (NumberFormatException e) {
        continue;
      }
      data.computeIfAbsent(f[0], k -> new LinkedHashMap<>())
          .computeIfAbsent(f[1], k -> new LinkedHashMap<>())
          .computeIfAbsent(f[2], k -> new ArrayList<>())
          .add(v);
    }
    Path out = Path.of(args[1]);
    Files.writeString(out.resolve("latest.json"), json());
    Files.writeString(out.resolve("latest.md"), markdown());
  }

  // ---------------------------------------------------------------- statistics

  static double[] sorted(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }

  /** Nearest-rank percentile. */
  static double pct(List<Double> v, double p) {
    double[] a = sorted(v);
    if (a.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * a.length) - 1;
    return a[Math.max(0, Math.min(a.length - 1, i))];
  }

  static double median(List<Double> v) {
    double[] a = sorted(v);
    if (a.length == 0) {
      return Double.NaN;
    }
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
  }

  static double med(String bench, String c, String metric) {
    List<Double> v = data.getOrDefault(bench, Map.of()).getOrDefault(c, Map.of()).get(metric);
    return v == null ? Double.NaN : median(v);
  }

  static List<Double> samples(String bench, String c, String metric) {
    return data.getOrDefault(bench, Map.of()).getOrDefault(c, Map.of()).getOrDefault(metric, List.of());
  }

  static String num(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "–";
    }
    double a = Math.abs(d);
    String f = a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
    return String.format(Locale.ROOT, f, d);
  }

  static String jnum(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? "null" : String.format(Locale.ROOT, "%.4f", d);
  }

  // ---------------------------------------------------------------- derived figures

  /**
   * Ratios and differences of the proxy, grpc and cli cases (their names differ), from medians of
   * the same run, and the cold start's overhead by percentile: case → name → value.
   */
  static Map<String, Map<String, Double>> derived() {
    Map<String, Map<String, Double>> d = new LinkedHashMap<>();
    if (data.containsKey("proxy")) {
      for (String c : data.get("proxy").keySet()) {
        Map<String, Double> m = new LinkedHashMap<>();
        double rps = med("proxy", c, "rps");
        m.put("rps_vs_direct", rps / med("proxy", "direct", "rps"));
        m.put("rps_vs_haproxy", rps / med("proxy", "haproxy", "rps"));
        m.put("added_p50_ms", med("proxy", c, "p50_ms") - med("proxy", "direct", "p50_ms"));
        m.put("added_p99_ms", med("proxy", c, "p99_ms") - med("proxy", "direct", "p99_ms"));
        m.put(
            "cpu_per_req_vs_haproxy",
            med("proxy", c, "proxy_cpu_us_per_req") / med("proxy", "haproxy", "proxy_cpu_us_per_req"));
        d.put(c, m);
      }
    }
    if (data.containsKey("grpc")) {
      for (String c : data.get("grpc").keySet()) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(
            "calls_per_s_vs_direct",
            med("grpc", c, "calls_per_s") / med("grpc", "grpc-direct", "calls_per_s"));
        m.put("added_p50_ms", med("grpc", c, "p50_ms") - med("grpc", "grpc-direct", "p50_ms"));
        m.put("added_p99_ms", med("grpc", c, "p99_ms") - med("grpc", "grpc-direct", "p99_ms"));
        d.put(c, m);
      }
    }
    if (data.containsKey("coldstart")) {
      // The overhead as the distance between the two distributions of starts, percentile by
      // percentile: unlike a percentile of the pairs' differences, it does not add the app's own
      // spread to Coldbrew's twice over.
      for (String c : data.get("coldstart").keySet()) {
        List<Double> cb = samples("coldstart", c, "coldbrew_ms");
        List<Double> app = samples("coldstart", c, "app_ms");
        if (cb.isEmpty() || app.isEmpty()) {
          continue;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        for (int p : new int[] {50, 90, 99}) {
          double v = p == 50 ? median(cb) - median(app) : pct(cb, p) - pct(app, p);
          m.put("p" + p + "_coldbrew_minus_p" + p + "_app_ms", v);
        }
        d.put(c, m);
      }
    }
    if (data.containsKey("cli") && data.get("cli").containsKey("jvm")) {
      for (String c : data.get("cli").keySet()) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("wall_vs_jvm", med("cli", c, "wall_ms") / med("cli", "jvm", "wall_ms"));
        m.put("added_wall_ms", med("cli", c, "wall_ms") - med("cli", "jvm", "wall_ms"));
        d.put(c, m);
      }
    }
    return d;
  }

  // ---------------------------------------------------------------- output

  static String json() {
    StringBuilder sb = new StringBuilder("{\n  \"meta\": {");
    String sep = "";
    for (var e : meta.entrySet()) {
      sb.append(sep).append("\n    \"").append(esc(e.getKey())).append("\": \"").append(esc(e.getValue())).append('"');
      sep = ",";
    }
    sb.append("\n  },\n  \"benchmarks\": {");
    String bsep = "";
    for (var b : data.entrySet()) {
      sb.append(bsep).append("\n    \"").append(b.getKey()).append("\": {");
      bsep = ",";
      String csep = "";
      for (var c : b.getValue().entrySet()) {
        sb.append(csep).append("\n      \"").append(esc(c.getKey())).append("\": {");
        csep = ",";
        String msep = "";
        for (var m : c.getValue().entrySet()) {
          List<Double> v = m.getValue();
          sb.append(msep)
              .append("\n        \"").append(m.getKey()).append("\": {\"n\": ").append(v.size())
              .append(", \"median\": ").append(jnum(median(v)))
              .append(", \"min\": ").append(jnum(pct(v, 0)))
              .append(", \"p90\": ").append(jnum(pct(v, 90)))
              .append(", \"p99\": ").append(jnum(pct(v, 99)))
              .append(", \"max\": ").append(jnum(pct(v, 100)))
              .append(", \"samples\": ").append(v.stream().map(Report::jnum).toList())
              .append('}');
          msep = ",";
        }
        sb.append("\n      }");
      }
      sb.append("\n    }");
    }
    sb.append("\n  },\n  \"derived\": {");
    String dsep = "";
    for (var e : derived().entrySet()) {
      sb.append(dsep).append("\n    \"").append(esc(e.getKey())).append("\": {");
      dsep = ",";
      String s2 = "";
      for (var m : e.getValue().entrySet()) {
        sb.append(s2).append('"').append(m.getKey()).append("\": ").append(jnum(m.getValue()));
        s2 = ", ";
      }
      sb.append('}');
    }
    sb.append("\n  }\n}\n");
    return sb.toString();
  }

  static String esc(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  static String markdown() {
    StringBuilder sb = new StringBuilder("# Coldbrew benchmarks\n\n");
    for (var e : meta.entrySet()) {
      sb.append("* ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    sb.append("\nEach cell: median [min – max] over n samples (n in the last column), unless a section")
        .append(" says otherwise.\n");
    Map<String, Map<String, Double>> derived = derived();
    for (var b : data.entrySet()) {
      sb.append("\n## ").append(b.getKey()).append("\n\n");
      List<String> metrics = new ArrayList<>();
      for (var c : b.getValue().values()) {
        for (String m : c.keySet()) {
          if (!metrics.contains(m)) {
            metrics.add(m);
          }
        }
      }
      boolean distribution =
          b.getKey().equals("coldstart")
              || b.getKey().equals("cli")
              || b.getKey().equals("containers");
      sb.append("| case | ").append(String.join(" | ", metrics)).append(" | n |\n|---|");
      sb.append("---|".repeat(metrics.size() + 1)).append('\n');
      for (var c : b.getValue().entrySet()) {
        sb.append("| ").append(c.getKey()).append(" | ");
        int n = 0;
        for (String m : metrics) {
          List<Double> v = c.getValue().get(m);
          if (v == null) {
            sb.append("– | ");
            continue;
          }
          n = Math.max(n, v.size());
          if (distribution) {
            sb.append(num(median(v))).append(" / ").append(num(pct(v, 90))).append(" / ")
                .append(num(pct(v, 99))).append(" / ").append(num(pct(v, 100))).append(" | ");
          } else if (v.size() == 1) {
            sb.append(num(v.get(0))).append(" | ");
          } else {
            sb.append(num(median(v))).append(" [").append(num(pct(v, 0))).append(" – ")
                .append(num(pct(v, 100))).append("] | ");
          }
        }
        sb.append(n).append(" |\n");
      }
      if (distribution) {
        sb.append("\nCells: p50 / p90 / p99 / max (nearest rank: with fewer than 100 samples p99 is")
            .append(" the max).\n");
      }
      boolean any = false;
      for (String c : b.getValue().keySet()) {
        Map<String, Double> m = derived.get(c);
        if (m == null || !List.of("proxy", "grpc", "cli", "coldstart").contains(b.getKey())) {
          continue;
        }
        if (!any) {
          sb.append("\n| ").append(b.getKey()).append(" (derived) | ")
              .append(String.join(" | ", m.keySet())).append(" |\n|---|")
              .append("---|".repeat(m.size())).append('\n');
          any = true;
        }
        sb.append("| ").append(c).append(" | ");
        for (double v : m.values()) {
          sb.append(num(v)).append(" | ");
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
