package dev.coldbrew.server.dashboard;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.server.metrics.RevisionMeters;
import dev.coldbrew.store.ResourceCache;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's state as JSON: every service (by namespace, then name) with its URL, readiness,
 * traffic and revisions (those labelled {@code serving.knative.dev/service} with its name in its
 * namespace, newest name first), each revision with its readiness (and the reason when not ready),
 * its PodAutoscaler's desired and actual scale (null while unknown: the autoscaler's -1 is never
 * sent), its SKS mode, the autoscaler's panic flag and its history. Linear in services plus
 * revisions: the revisions are grouped by service in one pass, PAs and SKSs are looked up by name,
 * and the JSON is streamed to the output (no tree, no intermediate string). Stateless; reads the
 * cache, so it may run on any thread.
 */
final class DashboardState {
  private static final String SERVICE_LABEL = "serving.knative.dev/service";
  private static final Comparator<Resource> BY_NAMESPACE_AND_NAME =
      Comparator.comparing((Resource r) -> r.metadata.namespace)
          .thenComparing(r -> r.metadata.name);
  private static final Comparator<Revision> NEWEST_FIRST =
      Comparator.comparing((Revision r) -> r.metadata.name).reversed();

  private DashboardState() {}

  /** A service's key in the revision index. */
  private record ServiceKey(String namespace, String name) {}

  /** Writes the state at {@code nowMillis} to {@code out} as UTF-8 JSON. */
  static void write(
      OutputStream out,
      ResourceCache cache,
      Map<NamespacedName, RevisionMeters> meters,
      long nowMillis) {
    List<Resource> services = new ArrayList<>(cache.list(Kind.SERVICE, null));
    services.sort(BY_NAMESPACE_AND_NAME);
    Map<ServiceKey, List<Revision>> revisions = new HashMap<>();
    for (Resource r : cache.list(Kind.REVISION, null)) {
      String service = r.metadata.label(SERVICE_LABEL);
      if (service != null) {
        revisions
            .computeIfAbsent(new ServiceKey(r.metadata.namespace, service), k -> new ArrayList<>(2))
            .add((Revision) r);
      }
    }
    try (JsonGenerator g = ResourceCodec.json().getFactory().createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      g.writeNumberField("time", nowMillis);
      g.writeArrayFieldStart("services");
      for (Resource r : services) {
        Service s = (Service) r;
        List<Revision> revs =
            revisions.getOrDefault(
                new ServiceKey(s.metadata.namespace, s.metadata.name), List.of());
        writeService(g, cache, meters, s, revs);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeService(
      JsonGenerator g,
      ResourceCache cache,
      Map<NamespacedName, RevisionMeters> meters,
      Service s,
      List<Revision> revs)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("namespace", s.metadata.namespace);
    g.writeStringField("name", s.metadata.name);
    Condition ready = s.status == null ? null : s.status.condition(Status.READY);
    g.writeStringField("url", s.status == null ? null : s.status.url);
    g.writeStringField("ready", ready == null ? Condition.UNKNOWN : ready.status);
    g.writeStringField("reason", ready == null ? null : ready.reason);
    g.writeArrayFieldStart("traffic");
    if (s.status != null && s.status.traffic != null) {
      for (TrafficTarget t : s.status.traffic) {
        g.writeStartObject();
        g.writeStringField("revision", t.revisionName);
        g.writeNumberField("percent", t.percent == null ? 0 : t.percent);
        g.writeStringField("tag", t.tag);
        g.writeEndObject();
      }
    }
    g.writeEndArray();
    g.writeArrayFieldStart("revisions");
    if (revs.size() > 1) {
      revs.sort(NEWEST_FIRST);
    }
    for (Revision rev : revs) {
      writeRevision(g, cache, rev, meters.get(NamespacedName.of(rev)));
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeRevision(
      JsonGenerator g, ResourceCache cache, Revision rev, RevisionMeters m) throws IOException {
    String ns = rev.metadata.namespace;
    String name = rev.metadata.name;
    g.writeStartObject();
    g.writeStringField("name", name);
    Condition ready = rev.status == null ? null : rev.status.condition(Status.READY);
    g.writeStringField("ready", ready == null ? Condition.UNKNOWN : ready.status);
    g.writeStringField("reason", ready == null ? null : ready.reason);
    g.writeStringField("message", ready == null ? null : ready.message);
    PodAutoscaler pa = (PodAutoscaler) cache.get(Kind.POD_AUTOSCALER, ns, name).orElse(null);
    ServerlessService sks =
        (ServerlessService) cache.get(Kind.SERVERLESS_SERVICE, ns, name).orElse(null);
    // a negative scale (-1) means the autoscaler has no decision yet: unknown, like a missing one
    integerField(g, "desired", pa == null || pa.status == null ? null : pa.status.desiredScale);
    integerField(g, "actual", pa == null || pa.status == null ? null : pa.status.actualScale);
    g.writeStringField(
        "sksMode", sks == null || sks.spec.mode == null ? null : sks.spec.mode.wireName());
    var d = m == null ? null : m.decision();
    g.writeBooleanField("panic", d != null && d.panicMode());
    g.writeObjectFieldStart("history");
    List<RevisionMeters.Sample> history = m == null ? List.of() : m.history();
    RevisionMeters.Sample.writeSeries(g, history, true);
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void integerField(JsonGenerator g, String name, Integer value) throws IOException {
    if (value == null || value < 0) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, value);
    }
  }
}
