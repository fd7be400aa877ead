package io.sluice.admin;

import io.sluice.config.CertificateSource;
import io.sluice.config.ListenerConfig;
import io.sluice.tls.TlsMaterialException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listeners of the configuration in force with the expiry of their certificates, read
 * once per configuration (a reload re-reads them, as the listeners do) rather than on
 * every look at the page; the days left are computed at each look.
 */
final class ListenerCertificates {
    /** Certificates expiring sooner than this are flagged (the page shows them in the warning colour). */
    static final long WARN_DAYS = 30;

    private record Read(List<ListenerConfig> listeners, List<Map<String, Object>> described, List<List<Instant>> notAfter) {
    }

    private volatile Read last;

    List<Map<String, Object>> describe(List<ListenerConfig> listeners) {
        Read read = last;
        if (read == null || read.listeners() != listeners) { // a new configuration: its list is a new object
            read = read(listeners);
            last = read;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < listeners.size(); i++) {
            Map<String, Object> listener = new LinkedHashMap<>(read.described().get(i));
            List<Object> certificates = new ArrayList<>();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> certs = (List<Map<String, Object>>) listener.get("certificates");
            for (int c = 0; c < certs.size(); c++) {
                Map<String, Object> certificate = new LinkedHashMap<>(certs.get(c));
                Instant notAfter = read.notAfter().get(i).get(c);
                if (notAfter != null) {
                    long daysLeft = Math.floorDiv(Duration.between(now, notAfter).getSeconds(), 86_400L);
                    certificate.put("daysLeft", daysLeft);
                    certificate.put("expiresSoon", daysLeft < WARN_DAYS);
                }
                certificates.add(certificate);
            }
            listener.put("certificates", certificates);
            out.add(listener);
        }
        return out;
    }

    private static Read read(List<ListenerConfig> listeners) {
        List<Map<String, Object>> described = new ArrayList<>();
        List<List<Instant>> expiries = new ArrayList<>();
        for (ListenerConfig listener : listeners) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", listener.name());
            out.put("bind", listener.bind().toString());
            out.put("scheme", listener.isHttps() ? "https" : "http");
            out.put("redirectTo", listener.redirectTo() == null ? "" : listener.redirectTo());
            List<Map<String, Object>> certificates = new ArrayList<>();
            List<Instant> notAfter = new ArrayList<>();
            if (listener.tls() != null) {
                for (CertificateSource source : listener.tls().certificates()) {
                    Map<String, Object> certificate = new LinkedHashMap<>();
                    certificate.put("source", source.describe());
                    try {
                        X509Certificate leaf = source.load().leaf();
                        certificate.put("subject", leaf.getSubjectX500Principal().getName());
                        certificate.put("notAfter", leaf.getNotAfter().toInstant().toString());
                        notAfter.add(leaf.getNotAfter().toInstant());
                    } catch (TlsMaterialException e) {
                        certificate.put("error", e.getMessage());
                        notAfter.add(null);
                    }
                    certificates.add(certificate);
                }
            }
            out.put("certificates", certificates);
            described.add(out);
            expiries.add(notAfter);
        }
        return new Read(listeners, described, expiries);
    }
}
