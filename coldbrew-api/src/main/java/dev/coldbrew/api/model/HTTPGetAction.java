package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** An HTTP GET probe. {@code port} is a number or a port name (Kubernetes IntOrString). */
public class HTTPGetAction {
  public String path;
  public JsonNode port;
  public String host;
  public String scheme;
  public List<HttpHeader> httpHeaders;
}
