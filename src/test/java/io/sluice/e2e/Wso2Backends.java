package io.sluice.e2e;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stand-ins for WSO2 Identity Server and API Manager nodes that answer the browser as the
 * products do: the same paths, redirect chains (each naming the node's own idea of its
 * origin, https://localhost:9443 unless hostname is set), cookies with the products' paths
 * and attributes, login and auto-submitting form pages. Each IS node keeps its
 * authentication contexts (sessionDataKey) in its own memory, as IS does, so a step that
 * lands on the wrong node fails as it does in production; authorization codes live in the
 * shared database.
 */
final class Wso2Backends {
    private Wso2Backends() {
    }

    /** One request as the handlers see it: query and form parameters decoded, cookies by name. */
    record Call(HttpServerExchange exchange, String method, String path, Map<String, String> params, Map<String, String> cookies,
                String cookieHeader) {
        String param(String name) {
            return params.get(name);
        }
    }

    interface Answer {
        void answer(Call call) throws Exception;
    }

    /** A handler that reads the whole request (query, urlencoded form, cookies) on a worker thread. */
    static HttpHandler blocking(Answer answer) {
        return new HttpHandler() {
            @Override
            public void handleRequest(HttpServerExchange exchange) throws Exception {
                if (exchange.isInIoThread()) {
                    exchange.dispatch(this);
                    return;
                }
                exchange.startBlocking();
                String body = new String(exchange.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> params = new LinkedHashMap<>(decode(exchange.getQueryString()));
                if (exchange.getRequestMethod().toString().equals("POST")) {
                    params.putAll(decode(body));
                }
                String cookieHeader = exchange.getRequestHeaders().getFirst(Headers.COOKIE);
                Map<String, String> cookies = new LinkedHashMap<>();
                if (cookieHeader != null) {
                    for (String pair : cookieHeader.split(";\\s*")) {
                        int eq = pair.indexOf('=');
                        if (eq > 0) {
                            cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
                        }
                    }
                }
                answer.answer(new Call(exchange, exchange.getRequestMethod().toString(), exchange.getRequestPath(), params, cookies,
                        cookieHeader == null ? "" : cookieHeader));
            }
        };
    }

    static Map<String, String> decode(String form) {
        Map<String, String> out = new LinkedHashMap<>();
        if (form == null || form.isEmpty()) {
            return out;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return out;
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static void redirect(HttpServerExchange exchange, String location, String... setCookies) {
        exchange.setStatusCode(302);
        exchange.getResponseHeaders().put(Headers.LOCATION, location);
        for (String cookie : setCookies) {
            exchange.getResponseHeaders().add(Headers.SET_COOKIE, cookie);
        }
        exchange.endExchange();
    }

    static void html(HttpServerExchange exchange, int status, String body, String... setCookies) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html;charset=UTF-8");
        for (String cookie : setCookies) {
            exchange.getResponseHeaders().add(Headers.SET_COOKIE, cookie);
        }
        exchange.getResponseSender().send("<!DOCTYPE html><html><head><title>WSO2</title></head><body>" + body + "</body></html>");
    }

    /** The page a SAML POST binding (or OIDC form_post) answers with: a form the browser submits on load. */
    static String autoPost(String action, Map<String, String> fields) {
        StringBuilder form = new StringBuilder("<form method=\"post\" action=\"").append(escape(action)).append("\">");
        fields.forEach((name, value) -> form.append("<input type=\"hidden\" name=\"").append(escape(name)).append("\" value=\"")
                .append(escape(value)).append("\">"));
        return form.append("<noscript><button type=\"submit\">Continue</button></noscript></form>")
                .append("<script>document.forms[0].submit()</script>").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String base64(String xml) {
        return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
    }

    static String unbase64(String value) {
        return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    }

    /** An XML attribute or element text from a decoded SAML message (enough for the stand-ins' own messages). */
    static String xml(String message, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /**
     * An IS 7 node. Tenant-qualified URLs (/t/&lt;tenant&gt;/...) and tenanted sessions: the
     * commonAuthId and opbs cookies are scoped to /t/&lt;tenant&gt;/ (Path=/ for the super
     * tenant). OIDC: /oauth2/authorize -> /commonauth -> /authenticationendpoint/login.do,
     * the form POSTs ../commonauth, which sends the browser back to
     * /oauth2/authorize?sessionDataKey=..., which redirects to the client's redirect_uri with
     * a code. SAML with a federated IdP: POST /samlsso answers with an auto-POST of an
     * AuthnRequest to the IdP, whose auto-POSTed response comes back to /commonauth with
     * RelayState = the sessionDataKey; then /samlsso?sessionDataKey=... auto-POSTs the
     * SAMLResponse to the SP's ACS.
     */
    static final class IdentityServer {
        static final String ORIGIN = "https://localhost:9443";
        final String name;
        private final Map<String, String> codes;
        private final String federatedIdp;
        private final Map<String, Map<String, String>> contexts = new ConcurrentHashMap<>();
        private final Map<String, String> sessions = new ConcurrentHashMap<>();
        /** "METHOD path cookie-header" of every request, in order. */
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        /**
         * @param codes        authorization code -> client id and user, shared by all nodes (the database)
         * @param federatedIdp where SAML logins are federated to (another site), or null
         */
        IdentityServer(String name, Map<String, String> codes, String federatedIdp) {
            this.name = name;
            this.codes = codes;
            this.federatedIdp = federatedIdp;
        }

        HttpHandler handler() {
            return blocking(this::answer);
        }

        private void answer(Call call) {
            seen.add(call.method() + " " + call.path() + " " + call.cookieHeader());
            Matcher tenantPath = Pattern.compile("^(/t/([^/]+))(/.*)$").matcher(call.path());
            String t = tenantPath.matches() ? tenantPath.group(1) : "";
            String tenant = tenantPath.matches() ? tenantPath.group(2) : "carbon.super";
            String path = tenantPath.matches() ? tenantPath.group(3) : call.path();
            String sessionCookiePath = t.isEmpty() ? "/" : t + "/";
            HttpServerExchange exchange = call.exchange();
            String key = call.param("sessionDataKey");
            Map<String, String> context = key == null ? null : contexts.get(key);
            switch (call.method() + " " + path) {
                case "GET /api/health-check/v1.0/health" -> {
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                    exchange.getResponseSender().send("{\"health\":[{\"key\":\"health.status\",\"value\":\"UP\"}]}");
                }
                case "GET /oauth2/authorize" -> {
                    if (context != null && "true".equals(context.get("authenticated"))) {
                        issueCode(exchange, context, sessionCookiePath);
                    } else if (key != null) {
                        redirect(exchange, ORIGIN + t + "/authenticationendpoint/oauth2_error.do?oauthErrorCode=invalid_request"
                                + "&oauthErrorMsg=" + enc("Invalid sessionDataKey on " + name));
                    } else {
                        Map<String, String> fresh = new ConcurrentHashMap<>(call.params());
                        String sessionId = call.cookies().get("commonAuthId");
                        if (sessionId != null && sessions.containsKey(sessionId)) {
                            fresh.put("user", sessions.get(sessionId));
                            issueCode(exchange, fresh, sessionCookiePath); // single sign-on: no login page
                            return;
                        }
                        String newKey = UUID.randomUUID().toString();
                        contexts.put(newKey, fresh);
                        redirect(exchange, ORIGIN + t + "/commonauth?sessionDataKey=" + newKey + "&type=oidc&commonAuthCallerPath="
                                + enc(t + "/oauth2/authorize") + "&forceAuth=false&passiveAuth=false&tenantDomain=" + tenant);
                    }
                }
                case "GET /commonauth" -> {
                    if (context == null) {
                        retryPage(exchange, t);
                        return;
                    }
                    redirect(exchange, ORIGIN + t + "/authenticationendpoint/login.do?client_id=" + enc(context.get("client_id"))
                            + "&commonAuthCallerPath=" + enc(t + "/oauth2/authorize") + "&forceAuth=false&passiveAuth=false"
                            + "&redirect_uri=" + enc(context.get("redirect_uri")) + "&response_type=code&scope=" + enc(context.get("scope"))
                            + "&state=" + enc(context.get("state")) + "&tenantDomain=" + tenant + "&sessionDataKey=" + key
                            + "&relyingParty=" + enc(context.get("client_id")) + "&type=oidc&sp=" + enc(context.get("client_id"))
                            + "&isSaaSApp=false&authenticators=" + enc("BasicAuthenticator:LOCAL"));
                }
                case "GET /authenticationendpoint/login.do" -> html(exchange, 200,
                        "<h1>Sign In</h1><form action=\"../commonauth\" method=\"post\" id=\"loginForm\">"
                                + "<input name=\"username\" id=\"usernameUserInput\"><input name=\"password\" type=\"password\">"
                                + "<input type=\"hidden\" name=\"sessionDataKey\" value=\"" + escape(key == null ? "" : key) + "\">"
                                + "<button type=\"submit\">Sign In</button></form>",
                        "JSESSIONID=" + UUID.randomUUID().toString().replace("-", "").toUpperCase() + "; Path=/authenticationendpoint; Secure; HttpOnly");
                case "POST /commonauth" -> {
                    if (call.param("SAMLResponse") != null) {
                        key = call.param("RelayState");
                        context = key == null ? null : contexts.get(key);
                    }
                    if (context == null) {
                        retryPage(exchange, t);
                        return;
                    }
                    String user;
                    if (call.param("SAMLResponse") != null) {
                        user = xml(unbase64(call.param("SAMLResponse")), "<saml:NameID>([^<]+)</saml:NameID>");
                    } else if ("admin".equals(call.param("username")) && "admin".equals(call.param("password"))) {
                        user = "admin";
                    } else {
                        redirect(exchange, ORIGIN + t + "/authenticationendpoint/login.do?authFailure=true&authFailureMsg=login.fail.message"
                                + "&sessionDataKey=" + key);
                        return;
                    }
                    context.put("authenticated", "true");
                    context.put("user", user);
                    String sessionId = UUID.randomUUID().toString();
                    sessions.put(sessionId, user);
                    String next = "samlsso".equals(context.get("protocol")) ? "/samlsso" : "/oauth2/authorize";
                    redirect(exchange, ORIGIN + t + next + "?sessionDataKey=" + key,
                            "commonAuthId=" + sessionId + "; Path=" + sessionCookiePath + "; Secure; HttpOnly; SameSite=None");
                }
                case "POST /samlsso" -> {
                    String request = unbase64(call.param("SAMLRequest"));
                    String newKey = UUID.randomUUID().toString();
                    Map<String, String> fresh = new ConcurrentHashMap<>();
                    fresh.put("protocol", "samlsso");
                    fresh.put("acs", xml(request, "AssertionConsumerServiceURL=\"([^\"]+)\""));
                    fresh.put("spRelayState", call.params().getOrDefault("RelayState", ""));
                    contexts.put(newKey, fresh);
                    html(exchange, 200, autoPost(federatedIdp, Map.of(
                            "SAMLRequest", base64("<samlp:AuthnRequest ID=\"" + newKey + "\" AssertionConsumerServiceURL=\"" + ORIGIN + t
                                    + "/commonauth\"/>"),
                            "RelayState", newKey)));
                }
                case "GET /samlsso" -> {
                    if (context == null || !"true".equals(context.get("authenticated"))) {
                        retryPage(exchange, t);
                        return;
                    }
                    html(exchange, 200, autoPost(context.get("acs"), Map.of(
                                    "SAMLResponse", base64("<samlp:Response><saml:Issuer>" + name + "</saml:Issuer><saml:NameID>"
                                            + context.get("user") + "</saml:NameID></samlp:Response>"),
                                    "RelayState", context.get("spRelayState"))),
                            "samlssoTokenId=" + UUID.randomUUID() + "; Path=" + sessionCookiePath + "; Secure; HttpOnly; SameSite=None");
                }
                default -> html(exchange, 404, "<h1>404 " + escape(call.path()) + "</h1>");
            }
        }

        private void issueCode(HttpServerExchange exchange, Map<String, String> context, String sessionCookiePath) {
            String code = UUID.randomUUID().toString();
            codes.put(code, context.get("client_id") + " " + context.get("user"));
            String redirectUri = context.get("redirect_uri");
            redirect(exchange, redirectUri + (redirectUri.contains("?") ? "&" : "?") + "code=" + code + "&state=" + enc(context.get("state"))
                            + "&session_state=" + UUID.randomUUID().toString().replace("-", ""),
                    "opbs=" + UUID.randomUUID() + "; Path=" + sessionCookiePath + "; Secure; SameSite=None");
        }

        /** IS's answer to a step whose authentication context this node does not hold. */
        private void retryPage(HttpServerExchange exchange, String t) {
            redirect(exchange, ORIGIN + t + "/authenticationendpoint/retry.do?status=" + enc("Authentication Error!")
                    + "&statusMsg=" + enc("Something went wrong during the authentication process on " + name));
        }
    }

    /**
     * An APIM 4 control-plane node whose Publisher and Developer Portal sign users in with
     * OIDC at Identity Server (IS as Key Manager): /&lt;app&gt;/services/auth/login redirects
     * to IS's authorize endpoint with a redirect_uri on the node's own origin, the callback
     * trades the code (the shared database here) and sets the token cookie on /&lt;app&gt;/.
     */
    static final class ApiManager {
        final String origin;
        private final String isAuthorize;
        private final Map<String, String> codes;
        private final Map<String, String> states = new ConcurrentHashMap<>();
        private final Map<String, String> tokens = new ConcurrentHashMap<>();

        ApiManager(String origin, String isAuthorize, Map<String, String> codes) {
            this.origin = origin;
            this.isAuthorize = isAuthorize;
            this.codes = codes;
        }

        HttpHandler handler() {
            return blocking(this::answer);
        }

        private void answer(Call call) {
            HttpServerExchange exchange = call.exchange();
            if (call.path().equals("/services/Version")) {
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/xml");
                exchange.getResponseSender().send("<ns:getVersionResponse xmlns:ns=\"http://version.services.core.carbon.wso2.org\">"
                        + "<return>WSO2 API Manager-4.5.0</return></ns:getVersionResponse>");
                return;
            }
            Matcher app = Pattern.compile("^/(publisher|devportal)(/.*)$").matcher(call.path());
            if (!app.matches()) {
                html(exchange, 404, "<h1>404</h1>");
                return;
            }
            String name = app.group(1);
            String clientId = name + "_client";
            switch (app.group(2)) {
                case "/services/auth/login" -> {
                    String state = UUID.randomUUID().toString();
                    states.put(state, name);
                    redirect(exchange, isAuthorize + "?response_type=code&client_id=" + clientId + "&scope=" + enc("openid apim:api_view")
                            + "&redirect_uri=" + enc(origin + "/" + name + "/services/auth/callback/login") + "&state=" + state);
                }
                case "/services/auth/callback/login" -> {
                    String issued = codes.remove(String.valueOf(call.param("code")));
                    if (!name.equals(states.remove(String.valueOf(call.param("state")))) || issued == null || !issued.startsWith(clientId + " ")) {
                        html(exchange, 401, "<h1>invalid callback</h1>");
                        return;
                    }
                    String token = UUID.randomUUID().toString();
                    tokens.put(token, issued.substring(clientId.length() + 1));
                    redirect(exchange, origin + "/" + name + "/apis",
                            "AM_ACC_TOKEN_DEFAULT_P2=" + token + "; Path=/" + name + "/; Secure; HttpOnly; SameSite=Strict");
                }
                case "/apis" -> {
                    String user = tokens.get(String.valueOf(call.cookies().get("AM_ACC_TOKEN_DEFAULT_P2")));
                    if (user == null) {
                        redirect(exchange, "/" + name + "/services/auth/login");
                    } else {
                        html(exchange, 200, "<h1>" + name + "</h1><p id=\"user\">signed in as " + user + "</p>");
                    }
                }
                default -> html(exchange, 404, "<h1>404</h1>");
            }
        }
    }
}
