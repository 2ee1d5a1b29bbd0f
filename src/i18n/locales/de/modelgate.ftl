# Meldungen des Portals und der API von modelgate, Deutsch (übersetzt aus der englischen
# Referenz). Die Ids sind stabil; Regel-Ids, Fehlercodes, Scope-Namen und Lizenztexte
# bleiben in jeder Sprache gleich.

## Navigation und Seitenrahmen

nav-label = Hauptmenü
nav-models = Modelle
nav-profile = Profil
nav-tokens = API-Tokens
nav-audit = Audit-Log
nav-statistics = Statistik
nav-reviews = Prüfungen
nav-admin = Verwaltung
nav-signed-in-as = Angemeldet als { $email }
nav-sign-out = Abmelden
nav-sign-in = Anmelden
nav-create-account = Konto erstellen
footer-tagline = modelgate: lizenzierte, regionsbewusste Verteilung von Modellen.
language-switcher = Sprache

## Katalog und Modellseiten

catalog-title = Modelle
catalog-signin-hint = Melden Sie sich an, um zu sehen, welche Modelle Sie erhalten können.
catalog-empty = Es sind noch keine Modelle veröffentlicht.
model-license-tag = Lizenz: { $license }
model-files-size = { $files ->
    [one] 1 Datei, { $size }
   *[other] { $files } Dateien, { $size }
}
# identical to English on purpose
model-revision = Revision
model-your-access = Ihr Zugang:
model-why = Warum
model-rule = Regel
catalog-clause = Regionale Klausel: { $clause }
catalog-no-clause = Keine regionale Klausel seiner Lizenz erfasst dieses Modell.
catalog-clause-unknown = Das Gateway hat kein Lizenzpaket für die Lizenz dieses Modells: Das Modell ist nicht verfügbar.
model-clause-cited = { $clause } ({ $license }, Version { $version })
model-review-case = Compliance-Prüfung
model-geo-country = Ihre Anfrage scheint aus { $country } zu kommen.
model-get-links = Download-Links abrufen
model-request-review = Zugang anfordern (eröffnet eine Prüfung)
model-request-anyway = Zugang trotzdem anfordern (die Ablehnung wird protokolliert)
model-license-version = Version { $version }
model-license-binding = Die Lizenz und die Richtlinie zur zulässigen Nutzung (Acceptable Use Policy) werden so angezeigt, wie sie veröffentlicht wurden; dieser Text ist verbindlich, die Übersetzung aller übrigen Inhalte dieser Seite dient nur Ihrer Orientierung.
model-license = Lizenz
model-aup = Richtlinie zur zulässigen Nutzung (Acceptable Use Policy)
model-accepted = Sie haben diese Version akzeptiert. Digest:
model-acceptance-proof = Nachweis Ihrer Zustimmung herunterladen
model-acceptance-proof-hint = Ein Beleg aus dem Audit-Log, der sich offline prüfen lässt mit
model-accepting-digest = Sie akzeptieren die Dokumente mit diesem Digest:
model-agree = Ich habe die Lizenz und die Richtlinie zur zulässigen Nutzung gelesen und akzeptiere sie
model-accept = Lizenz akzeptieren
model-card = Modellkarte
notice-accepted = Sie haben die Lizenz akzeptiert.
notice-review = Ihre Anfrage wurde zur Compliance-Prüfung weitergeleitet; diese Seite zeigt ihren Stand.

## Ob der Besucher ein Modell erhalten kann

availability-signin-label = Anmelden
availability-signin-sentence = Melden Sie sich an, um zu sehen, ob Sie dieses Modell erhalten können.
availability-attest-label = Wohnsitz angeben
availability-attest-sentence = Geben Sie in Ihrem Profil an, wo Sie Ihren Wohnsitz haben; die Lizenzbedingungen hängen davon ab.
availability-allow-label = Verfügbar
availability-allow-sentence = Sie können dieses Modell herunterladen.
availability-review-label = Prüfung erforderlich
availability-review-sentence = Ihre Anfrage erfordert eine Compliance-Prüfung, bevor ein Download erlaubt wird.
availability-accept-label = Lizenz akzeptieren
availability-accept-sentence = Akzeptieren Sie die aktuelle Lizenz und die Richtlinie zur zulässigen Nutzung, um dieses Modell herunterzuladen.
availability-deny-label = Für Sie nicht verfügbar
availability-deny-sentence = Sie können dieses Modell nicht herunterladen.

## Downloads

downloads-title = { $model } herunterladen
downloads-allowance = Diese Links gelten bis { $expires }, für bis zu { $copies ->
    [one] 1 Kopie
   *[other] { $copies } Kopien
} jeder Datei pro Zeitraum dieser Länge, gezählt in Bytes über alle Ihre Links (ein abgebrochener Download zählt nur mit dem, was er empfangen hat, Sie können ihn also problemlos fortsetzen).
downloads-file = Datei
downloads-size = Größe
downloads-left = Verbleibende Downloads
downloads-decision-entry = Die Entscheidung, die diesen Download erlaubt hat, ist dieser Eintrag im Audit-Log:
downloads-decision-proof = Nachweis dieser Entscheidung herunterladen
downloads-decision-proof-hint = In einer Sekunde bereit; er lässt sich offline prüfen mit
downloads-terminal = Im Terminal
downloads-client = Der modelgate-Client prüft die Signatur, lädt parallel herunter, setzt abgebrochene Downloads fort und prüft jede Datei. Er benötigt ein API-Token:
downloads-curl = Oder eine einzelne Datei mit curl (-C - setzt fort); prüfen Sie danach ihren SHA-256 anhand der Tabelle:

## Fehlerseiten

error-page-code = Fehlercode:
error-page-back = Zurück zu den Modellen
portal-csrf-failed = dieses Formular ist abgelaufen oder stammt von einer anderen Website; laden Sie die Seite neu und versuchen Sie es erneut
portal-sign-in-required = melden Sie sich an, um fortzufahren
portal-internal = bei uns ist etwas schiefgelaufen; der Fehler wurde protokolliert
portal-form-unreadable = das Formular konnte nicht gelesen werden: { $detail }
portal-tick-to-accept = setzen Sie das Häkchen, um die Lizenz zu akzeptieren
proofs-no-acceptance = Sie haben noch keine Lizenz akzeptiert

## Profil und Erklärungen

profile-title = Ihr Profil
profile-signed-in-as = Angemeldet als { $email } ({ $role }).
profile-saved = Ihre Erklärung wurde gespeichert.
profile-current = Aktuelle Erklärung
profile-legal-name = Vollständiger rechtlicher Name
profile-domicile = Wohnsitz
profile-on-behalf-of = Im Namen von
profile-principal-place = Hauptniederlassung: { $country }
profile-recorded = Erfasst
profile-declare-first = Geben Sie Ihren Wohnsitz an, bevor Sie eine Lizenz akzeptieren: Die Lizenzbedingungen hängen davon ab.
profile-change = Erklärung ändern
profile-declare = Wohnsitz angeben
profile-domicile-country = Land des Wohnsitzes
profile-who-accepts = Wer akzeptiert die Lizenz?
profile-as-individual = Ich selbst, als Privatperson
profile-as-organisation = Eine Organisation, für die ich handle
profile-organisation-name = Name der Organisation (falls Sie für eine handeln)
profile-organisation-country = Hauptniederlassung der Organisation
profile-history-hint = Eine neue Erklärung ersetzt die aktuelle; frühere bleiben als Verlauf erhalten.
profile-save = Erklärung speichern
profile-territories = Nutzungsgebiete
profile-users = Monatlich aktive Nutzer
profile-territories-question = Länder, in denen Sie die Modelle nutzen oder bereitstellen werden (ISO-Codes, durch Kommas getrennt)
profile-territories-hint = Abgefragt von Lizenzen, die einschränken, wo ihre Modelle genutzt werden dürfen: { $licenses }.
profile-users-question = Monatlich aktive Nutzer Ihrer Produkte und Dienste
profile-users-hint = Abgefragt von Lizenzen, die oberhalb einer bestimmten Zahl monatlich aktiver Nutzer eine gesonderte Vereinbarung verlangen: { $licenses }.
form-choose-band = Bereich auswählen
band-up-to-1m = Bis zu 1 Million
band-up-to-10m = 1 bis 10 Millionen
band-up-to-100m = 10 bis 100 Millionen
band-up-to-700m = 100 bis 700 Millionen
band-up-to-1b = 700 Millionen bis 1 Milliarde
band-over-1b = Mehr als 1 Milliarde
form-choose-country = Land auswählen

## Registrierung, Anmeldung und Bestätigung der Adresse

sign-up-title = Konto erstellen
sign-email = E-Mail
sign-password = Passwort
sign-password-hint = Mindestens 12 Zeichen.
sign-have-account = Sie haben bereits ein Konto?
sign-new-here = Neu hier?
signup-thanks = Vielen Dank: { $next }.
signup-next-confirm-email = falls die Adresse neu ist, wurde ihr Konto angelegt und ein Bestätigungslink an sie gesendet; folgen Sie dem Link und melden Sie sich dann an
signup-next-sign-in = falls die Adresse neu ist, wurde ihr Konto angelegt; melden Sie sich an
signup-verification-resent = falls zu dieser Adresse ein Konto mit noch unbestätigter Adresse besteht, wurde ein neuer Link an sie gesendet
verify-title = E-Mail-Adresse bestätigen
verify-explanation = Die Bestätigung weist nach, dass diese Adresse Ihnen gehört, und setzt das Passwort, das Sie bei der Registrierung gewählt haben; alle früheren Sitzungen des Kontos werden beendet.
verify-confirm = Meine Adresse bestätigen
verify-confirmed = Ihre E-Mail-Adresse ist bestätigt. Melden Sie sich an, um fortzufahren.

## API-Tokens

tokens-intro = Mit Tokens können die modelgate-CLI, curl und Hugging-Face-Clients in Ihrem Namen handeln.
tokens-new = Ihr neues Token.
tokens-copy-now = Kopieren Sie es jetzt: Es wird nicht noch einmal angezeigt.
tokens-name = Bezeichnung
tokens-expires-after = Läuft ab nach (Tagen)
tokens-scopes = Berechtigungen (Scopes)
tokens-scopes-hint = read: Modelle und Ihr Konto ansehen; download: Zugang anfordern und herunterladen; accept: Lizenzen akzeptieren.
tokens-create = Token erstellen
tokens-yours = Ihre Tokens
tokens-none = Noch keine Tokens.
tokens-created = Erstellt
tokens-expires = Läuft ab
tokens-last-used = Zuletzt verwendet
tokens-actions = Aktionen
tokens-never = nie
tokens-expiry-not-number = die Gültigkeitsdauer muss eine Anzahl von Tagen sein
state-revoked = widerrufen
action-revoke = Widerrufen

## Status von Prüfungen und Entscheidungen

state-open = offen
state-approved = genehmigt
state-denied = abgelehnt
state-superseded = ersetzt
state-all = alle
state-allow = erlaubt
state-review = Prüfung
state-deny = abgelehnt

## Prüfungswarteschlange

reviews-title = Prüfungswarteschlange
reviews-showing = Anzeige:
reviews-case = Fall
reviews-requested-by = Angefordert von
reviews-opened = Eröffnet
reviews-declared = Erklärt
reviews-geo-country = GeoIP-Land
reviews-decided-by = Entschieden von
reviews-note = Anmerkung (Pflichtfeld)
reviews-approve = Genehmigen
reviews-deny = Ablehnen
reviews-none = Keine Fälle vorhanden.
reviews-declared-domicile = Wohnsitz { $domicile }
reviews-declared-for = Wohnsitz { $domicile }, für { $organisation } ({ $country })

## Audit-Log und Statistik

audit-title = Audit-Log
audit-verified = Log verifiziert
audit-verification-failed = Verifizierung des Logs FEHLGESCHLAGEN
audit-kind = Ereignisart
audit-outcome = Ergebnis
audit-model = Modell
audit-user = Benutzer-Id oder E-Mail des Personals
audit-country = Land
# identical to English on purpose
audit-organisation = Organisation
# identical to English on purpose
audit-partner = Partner
audit-search = Suchen
audit-export-csv = CSV exportieren
audit-export-jsonl = JSONL exportieren
audit-events = Ereignisse ({ $count })
audit-events-first = Ereignisse (erste { $count })
audit-time = Zeit (UTC)
audit-actor = Akteur
audit-subject = Betreff
# identical to English on purpose
audit-details = Details
audit-event = Ereignis { $seq }
audit-next-page = Nächste Seite
period-since = Seit
period-until = Bis
stats-title = Entscheidungsstatistik
stats-show = Anzeigen
stats-open-cases = { $count ->
    [one] 1 Prüfungsfall ist offen.
   *[other] { $count } Prüfungsfälle sind offen.
}
stats-open-queue = Warteschlange öffnen
stats-by-country = Entscheidungen nach Land des Lizenznehmers
stats-none = Keine Entscheidungen in diesem Zeitraum.
stats-chart-title = Zugangsentscheidungen nach Land des Lizenznehmers: erlaubt, zur Prüfung weitergeleitet, abgelehnt
stats-by-country-model-outcome = Nach Land, Modell und Ergebnis
stats-decisions = Entscheidungen

## Verwaltung

admin-title = Verwaltung
admin-licenses = Lizenzen
admin-partners = Partner
admin-models = Modelle und Revisionen
admin-published = Veröffentlicht
admin-files = Dateien
admin-no-models = Es sind noch keine Modelle veröffentlicht. Veröffentlichen Sie eines mit
admin-license-published = Veröffentlicht am { $at } von { $by }
admin-shipped-bundle = dem mitgelieferten Paket
admin-acceptances = Zustimmungen ({ $count }) und Widerrufe
admin-account = Konto
# identical to English on purpose
admin-version = Version
admin-accepted = Akzeptiert
admin-licensee-country = Land des Lizenznehmers
admin-terminate = Beenden
admin-reason = Grund
admin-publish-license = Neue Lizenzversion veröffentlichen
admin-license-id = Lizenz-Id
admin-license-title = Titel
admin-modalities = Abgedeckte Modalitäten
admin-license-text = Lizenztext
admin-publish-hint = Alle müssen die neue Version vor ihrem nächsten Download akzeptieren.
admin-publish-version = Version veröffentlichen
# identical to English on purpose
admin-partner-name = Name
admin-principal-place = Hauptniederlassung
admin-contact = Kontakt
admin-since = Seit
admin-add-partner = Partner hinzufügen
admin-contact-email = Kontakt-E-Mail
admin-create-partner = Partner anlegen
admin-license-published-notice = { $license } Version { $version } veröffentlicht (sha256:{ $digest }).
admin-partner-created = Partner { $name } angelegt. Geben Sie ihm jetzt dieses Partner-Token; es wird nicht noch einmal angezeigt:

## E-Mails

mail-verify-subject = Bestätigen Sie Ihre E-Mail-Adresse für modelgate
mail-verify-body =
    Folgen Sie diesem Link, um zu bestätigen, dass diese Adresse Ihnen gehört:

    { $link }

    Der Link funktioniert einmal, { $hours } Stunden lang, und setzt das Passwort,
    das Sie bei der Registrierung gewählt haben. Bis die Adresse bestätigt ist, kann
    das Konto nichts erklären, keine Lizenz akzeptieren und keine geschützten Modelle
    herunterladen.
    Wenn Sie sich nicht registriert haben, ignorieren Sie diese Nachricht.
mail-taken-subject = Jemand wollte sich mit Ihrer Adresse registrieren
mail-taken-body =
    Jemand, vielleicht Sie, wollte für diese Adresse ein modelgate-Konto anlegen.
    Es gibt bereits eines, daher wurde nichts angelegt. Melden Sie sich unter { $signin } an.
    Wenn Sie es nicht waren, können Sie diese Nachricht ignorieren.

## Die entscheidenden Regeln (nach Regel-Id; die Regel-Ids selbst ändern sich nie)

rule-reason-end-user-carve-out = Endnutzer eines Produkts, in das das Modell integriert ist, unterliegen nicht der EU-Klausel der Lizenz
rule-reason-eu-multimodal-withheld = die Lizenz gewährt keine Rechte an multimodalen Modellen für natürliche Personen mit Wohnsitz in der EU oder Unternehmen mit Hauptniederlassung dort
clause-llama-3-2-regional = Llama-3.2-Lizenz, Abschnitt 4: Multimodale Modelle und die Europäische Union
clause-llama-3-2-users = Llama-3.2-Lizenz, Abschnitt 6: Sehr große Dienste
clause-llama-3-1-users = Llama-3.1-Lizenz, Abschnitt 2: Zusätzliche kommerzielle Bedingungen
clause-llama-4-regional = Llama-4-Lizenz, Abschnitt 3: Multimodale Modelle und die Europäische Union
clause-llama-4-users = Llama-4-Lizenz, Abschnitt 2: Zusätzliche kommerzielle Bedingungen
clause-hunyuan-regional = Hunyuan-Lizenz, Abschnitt 3: Ausgeschlossene Gebiete
clause-hunyuan-users = Hunyuan-Lizenz, Abschnitt 2: Zusätzliche kommerzielle Bedingungen
rule-reason-license-accepted = der Lizenznehmer hat die aktuelle Version der Lizenz und der Richtlinie zur zulässigen Nutzung akzeptiert
rule-reason-license-acceptance-required = die aktuelle Version der Lizenz und der Richtlinie zur zulässigen Nutzung wurde nicht akzeptiert
rule-reason-partner-may-mirror = der Partner hat die aktuelle Lizenz akzeptiert und darf dieses Modell verbreiten
rule-reason-partner-only-partners-mirror = nur Partner dürfen Modelle spiegeln
rule-reason-review-clause-region-location = die Anfrage kommt von einem Standort in einer Region, für die die Klausel der Lizenz Beschränkungen vorsieht und die in der Erklärung nicht genannt ist
rule-reason-review-european-location = die Anfrage kommt von einem nicht näher bestimmten Standort in Europa
rule-reason-review-anonymising-proxy = die Anfrage kommt über einen anonymisierenden Proxy
rule-reason-review-approved = das Compliance-Team hat diesen Lizenznehmer für dieses Modell geprüft und genehmigt
rule-reason-review-denied = das Compliance-Team hat diesen Lizenznehmer für dieses Modell geprüft und abgelehnt
rule-reason-review-declaration-changed = der Lizenznehmer hat seine Erklärung (Wohnsitz, Organisation oder deren Land) geändert, nachdem eine Compliance-Prüfung ihn abgelehnt hat oder während eine Prüfung offen ist
rule-reason-review-pending = eine Compliance-Prüfung dieses Lizenznehmers für dieses Modell ist offen
rule-reason-review-denied-for-another-model = das Compliance-Team hat diesen Lizenznehmer für ein anderes Modell abgelehnt, für das eine regionale Klausel Beschränkungen vorsieht
rule-reason-review-monthly-active-users = die vom Lizenznehmer angegebene Zahl monatlich aktiver Nutzer kann die Grenze der Lizenz überschreiten, oberhalb derer eine gesonderte Vereinbarung erforderlich ist
rule-reason-license-terms-unknown = das Gateway hat kein Lizenzpaket für die Lizenz dieses Modells, daher können deren Bedingungen nicht durchgesetzt werden
rule-reason-declaration-territory-required = die Lizenz schränkt ein, wo ihre Modelle genutzt werden dürfen; geben Sie die Gebiete an, in denen Sie das Modell nutzen oder bereitstellen werden
rule-reason-declaration-monthly-active-users-required = die Lizenz begrenzt die monatlich aktiven Nutzer der Produkte von Lizenznehmern; geben Sie Ihre Zahl an, bevor Sie Modelle unter dieser Lizenz erhalten
rule-reason-embargo-licensee = der Betreiber verbreitet keine Modelle an Lizenznehmer, die in einem mit einem Embargo belegten Land ihren Wohnsitz haben, dort niedergelassen sind oder Modelle dort bereitstellen
rule-reason-embargo-location = die Anfrage kommt aus einem mit einem Embargo belegten Land
rule-reason-eu-llama-4-withheld = die Lizenz gewährt keine Rechte an ihren Modellen für natürliche Personen mit Wohnsitz in der EU oder Unternehmen mit Hauptniederlassung dort
rule-reason-territory-hunyuan-excluded = die Lizenz gewährt keinerlei Rechte, ihre Modelle in der Europäischen Union, im Vereinigten Königreich oder in Südkorea zu nutzen oder bereitzustellen
rule-reason-revocation-entitlement-revoked = die Lizenz des Lizenznehmers wurde beendet

## API-Fehlermeldungen (nach Fehlercode; die Codes ändern sich nie)

error-bad-request = Ungültige Anfrage: { $detail }
error-invalid-digest = ungültiger Digest: { $detail }
error-invalid-model-id = ungültige Modell-Id: { $detail }
error-model-not-found = Modell `{ $model }` nicht gefunden
error-revision-not-found = Revision `{ $revision }` nicht gefunden
error-blob-not-found = Blob `{ $blob }` nicht gefunden
error-range-not-satisfiable = Bereichsanfrage nicht erfüllbar: { $detail }
error-payload-too-large = Anfragetext zu groß
error-not-found = nicht gefunden: { $detail }
error-unauthenticated = Authentifizierung erforderlich: senden Sie `Authorization: Bearer <token>`
error-invalid-token = ungültiges Token: { $detail }
error-invalid-credentials = E-Mail oder Passwort ist falsch
error-forbidden = verboten: { $detail }
error-too-many-attempts = zu viele Versuche von dieser Adresse; versuchen Sie es in { $seconds } Sekunden erneut
error-email-taken = ein Konto mit dieser E-Mail-Adresse existiert bereits
error-email-not-verified = bestätigen Sie zuerst Ihre E-Mail-Adresse: folgen Sie dem an sie gesendeten Link (POST /v1/auth/resend-verification sendet einen neuen)
error-invalid-verification-link = dieser Bestätigungslink ist unbekannt, bereits verwendet oder abgelaufen; fordern Sie einen neuen an
error-request-timeout = der Anfragetext ist nicht rechtzeitig eingetroffen
error-too-many-connections = zu viele Verbindungen von dieser Adresse; versuchen Sie es später erneut
error-invalid-country = ungültiges Land: { $detail }
error-license-not-found = Lizenz `{ $license }` nicht gefunden
error-stale-license-version = der gesendete Digest entspricht nicht der aktuellen Version dieser Lizenz; lesen und akzeptieren Sie Version `{ $version }` (Digest { $digest })
error-license-terminated = Ihre Lizenz wurde beendet ({ $detail }); wenden Sie sich an den Herausgeber
error-attestation-required = geben Sie zuerst Ihren Wohnsitz an: PUT /v1/me/attestation
error-grant-required = dieser Blob erfordert eine Download-Freigabe: POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access, dann `Modelgate-Grant: <token>` oder `?grant=<token>` senden
error-invalid-grant = ungültige Freigabe: { $detail }
error-grant-expired = die Freigabe ist abgelaufen; fordern Sie unter POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access eine neue an
error-grant-not-for-blob = die Freigabe gilt nicht für diesen Blob; Freigaben öffnen nur die Dateien der Modellrevision, für die sie ausgestellt wurden
error-entitlement-revoked = die Berechtigung hinter dieser Freigabe wurde widerrufen: { $detail }
error-grant-outdated = die Umstände, auf deren Grundlage diese Freigabe erteilt wurde, haben sich geändert (eine neue Erklärung, eine neue Lizenzversion oder ein Lizenznehmer ohne aktuelle Zustimmung); fordern Sie den Zugang erneut an
error-location-changed = diese Anfrage kommt von einem Standort, der für dieses Modell eine Compliance-Prüfung erfordert ({ $reasons }); fordern Sie den Zugang erneut an unter POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = diesem Konto wurden im aktuellen Zeitraum bereits { $limit } Kopien der Bytes dieses Blobs ausgeliefert (neue wie fortgesetzte Bytes gleichermaßen); fragen Sie nach Ablauf des Zeitraums erneut an
error-access-denied = Zugang verweigert: { $reason }
error-conflict = Konflikt: { $detail }
error-audit-entry-pending = Audit-Eintrag `{ $entry }` ist noch in keinem signierten Checkpoint enthalten; fragen Sie in einer Sekunde erneut an
error-database-unavailable = die Datenbank ist nicht verfügbar; versuchen Sie es gleich erneut
error-store-unavailable = der Blob-Speicher ist nicht verfügbar; versuchen Sie es gleich erneut
error-model-not-runnable = Modell kann nicht ausgeführt werden: { $detail }
error-invalid-image = ungültiges Bild: { $detail }
error-no-validation-vectors = diese Revision wurde ohne Validierungsvektoren veröffentlicht; veröffentlichen Sie sie mit diesem Gateway erneut, um sie zu erfassen
error-prompt-too-long = der Prompt hat { $tokens } Tokens; höchstens { $limit } sind erlaubt
error-too-many-tokens = { $requested } neue Tokens wurden angefordert; höchstens { $limit } sind erlaubt
error-inference-over-budget = das Modell benötigt etwa { $needed } Bytes Speicher; das Inferenzbudget dieses Gateways beträgt { $budget }
error-inference-busy = alle Inferenz-Slots sind belegt; versuchen Sie es gleich erneut
error-inference-account-busy = dieses Konto hat bereits einen wartenden oder laufenden Inferenzlauf; nur einer gleichzeitig
error-inference-timeout = die Inferenz dauerte länger als { $seconds } Sekunden und wurde abgebrochen
error-inference-disabled = Inferenz ist auf diesem Gateway deaktiviert
error-internal = interner Fehler
