package dev.coldbrew.cli;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Status;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A human table as {@code kn} and {@code kubectl} print them: upper-case headers, columns padded to
 * their widest cell and separated by three spaces. Also the shared cell renderings (age,
 * conditions, ready, reason). Not thread-safe.
 */
public final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final boolean headers;

  public Table(boolean headers, String... columns) {
    this.headers = headers;
    rows.add(columns);
  }

  /** Adds a row; null cells print as empty. */
  public Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = cells[i] == null ? "" : String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  public void print(PrintWriter out) {
    int[] width = widths();
    for (int ri = headers ? 0 : 1; ri < rows.size(); ri++) {
      out.println(line(rows.get(ri), width));
    }
    out.flush();
  }

  /** Each column's width: its widest cell, header included. */
  public int[] widths() {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    return width;
  }

  /**
   * The rows added since the header, each as a line padded to {@code width} (a cell wider than its
   * column pushes the rest right): how a watch prints new rows under a table printed before.
   */
  public void printRows(PrintWriter out, int[] width) {
    for (int ri = 1; ri < rows.size(); ri++) {
      out.println(line(rows.get(ri), width));
    }
    out.flush();
  }

  private static String line(String[] r, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < r.length; i++) {
      sb.append(r[i]);
      if (i < r.length - 1) {
        sb.append(" ".repeat(Math.max(1, width[i] - r[i].length() + 3)));
      }
    }
    return sb.toString().stripTrailing();
  }

  /** kubectl-style age: 45s, 3m, 5h, 2d. */
  public static String age(String timestamp, Clock clock) {
    if (timestamp == null) {
      return "";
    }
    Duration d = Duration.between(Instant.parse(timestamp), clock.instant());
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 2 * 3600) {
      return s / 60 + "m";
    }
    if (s < 2 * 86400) {
      return s / 3600 + "h";
    }
    return s / 86400 + "d";
  }

  /** kn's CONDITIONS cell: {@code 3 OK / 4}. */
  public static String conditions(Status status) {
    if (status == null || status.conditions == null) {
      return "0 OK / 0";
    }
    long ok = status.conditions.stream().filter(Condition::isTrue).count();
    return ok + " OK / " + status.conditions.size();
  }

  /** The Ready condition's status, or Unknown. */
  public static String ready(Status status) {
    Condition c = status == null ? null : status.condition(Status.READY);
    return c == null ? Condition.UNKNOWN : c.status;
  }

  /** The Ready condition's reason when it is not True. */
  public static String reason(Status status) {
    Condition c = status == null ? null : status.condition(Status.READY);
    return c == null || c.isTrue() || c.reason == null ? "" : c.reason;
  }
}
