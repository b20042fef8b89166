package dev.coldbrew.store;

import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import java.util.List;

/** Small resources for store tests, shared with other modules through the test-jar. */
public final class Fixtures {
  private Fixtures() {}

  public static Service service(String namespace, String name, String image) {
    Service s = new Service();
    s.metadata.namespace = namespace;
    s.metadata.name = name;
    Container c = new Container();
    c.image = image;
    s.spec.template.spec.containers = List.of(c);
    return s;
  }

  public static Service service(String name) {
    return service("default", name, "example/hello:1");
  }

  /** A new resource of {@code kind} named {@code name}, controlled by {@code owner}. */
  public static Resource child(Kind kind, String name, Resource owner) {
    Resource r = kind.newResource();
    r.metadata.namespace = owner.metadata.namespace;
    r.metadata.name = name;
    r.metadata.ownerReferences().add(OwnerReference.controllerOf(owner));
    if (r instanceof Configuration c && owner instanceof Service s) {
      c.spec.template = s.spec.template;
    }
    return r;
  }

  /**
   * Endpoints as the ServerlessService writes them, with its service-type label (the Kubernetes
   * store watches only Endpoints that carry it).
   */
  public static Endpoints endpoints(String namespace, String name, String ip) {
    Endpoints e = new Endpoints();
    e.metadata.namespace = namespace;
    e.metadata.name = name;
    e.metadata.labels().put("networking.internal.knative.dev/serviceType", "Public");
    Endpoints.Subset subset = new Endpoints.Subset();
    Endpoints.Address a = new Endpoints.Address();
    a.ip = ip;
    subset.addresses = List.of(a);
    e.subsets = List.of(subset);
    return e;
  }
}
