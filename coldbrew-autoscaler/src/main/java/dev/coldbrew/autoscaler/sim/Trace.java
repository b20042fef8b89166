package dev.coldbrew.autoscaler.sim;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A load trace for the simulator, as request arrivals with durations. Parsed from CSV with a header
 * naming one of two formats: {@code second,concurrency} (the revision's request concurrency during
 * each second, modelled as that many one-second requests; a fraction becomes a shorter request) or
 * {@code timestamp,durationMs} (one request per line: arrival in seconds, possibly fractional, and
 * how long the app takes to answer it). Immutable.
 */
public final class Trace {
  /** One request: when it arrives and how long the app works on it, in milliseconds. */
  public record Request(long arrivalMillis, long durationMillis) {}

  private final List<Request> requests;

  private Trace(List<Request> requests) {
    this.requests = requests;
  }

  /** The requests, by arrival time. */
  public List<Request> requests() {
    return requests;
  }

  /** When the last request ends (0 for an empty trace). */
  public long endMillis() {
    return requests.stream().mapToLong(r -> r.arrivalMillis + r.durationMillis).max().orElse(0);
  }

  /** Builds a trace from requests. */
  public static Trace of(List<Request> requests) {
    List<Request> sorted = new ArrayList<>(requests);
    sorted.sort(Comparator.comparingLong(Request::arrivalMillis));
    return new Trace(List.copyOf(sorted));
  }

  /**
   * Parses CSV text.
   *
   * @param source the file name, for error messages
   * @throws ValidationException naming the line, the bad value and what is expected
   */
  public static Trace parseCsv(String source, String csv) {
    String[] lines = csv.split("\r?\n");
    int first = 0;
    while (first < lines.length && lines[first].isBlank()) {
      first++;
    }
    if (first == lines.length) {
      throw new ValidationException(
          new FieldError(
              source,
              "empty trace (expected a header second,concurrency or timestamp,durationMs)"));
    }
    String header = lines[first].replace(" ", "").toLowerCase(java.util.Locale.ROOT);
    boolean concurrency;
    if (header.equals("second,concurrency")) {
      concurrency = true;
    } else if (header.equals("timestamp,durationms")) {
      concurrency = false;
    } else {
      throw new ValidationException(
          FieldError.invalid(
              source + ":" + (first + 1),
              lines[first],
              "a header line: second,concurrency or timestamp,durationMs"));
    }
    List<FieldError> errors = new ArrayList<>();
    List<Request> requests = new ArrayList<>();
    for (int i = first + 1; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + ":" + (i + 1);
      String[] cols = line.split(",");
      if (cols.length != 2) {
        errors.add(FieldError.invalid(where, line, "two comma-separated numbers"));
        continue;
      }
      double a;
      double b;
      try {
        a = Double.parseDouble(cols[0].trim());
        b = Double.parseDouble(cols[1].trim());
      } catch (NumberFormatException e) {
        errors.add(FieldError.invalid(where, line, "two comma-separated numbers"));
        continue;
      }
      if (concurrency) {
        if (a < 0 || a != Math.rint(a) || b < 0 || Double.isNaN(b) || Double.isInfinite(b)) {
          errors.add(
              FieldError.invalid(where, line, "second: a whole number >= 0, concurrency: >= 0"));
          continue;
        }
        long start = (long) a * 1000;
        long whole = (long) Math.floor(b);
        for (long k = 0; k < whole; k++) {
          requests.add(new Request(start, 1000));
        }
        long rest = Math.round((b - whole) * 1000);
        if (rest > 0) {
          requests.add(new Request(start, rest));
        }
      } else {
        if (a < 0 || b < 0 || Double.isNaN(a) || Double.isNaN(b) || Double.isInfinite(a)) {
          errors.add(FieldError.invalid(where, line, "timestamp >= 0 seconds, durationMs >= 0"));
          continue;
        }
        requests.add(new Request(Math.round(a * 1000), Math.round(b)));
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return of(requests);
  }
}
