# Messaggi del portale e dell'API di modelgate, italiano (tradotto dal riferimento inglese).
# Gli id sono stabili; id delle regole, codici di errore, nomi degli ambiti e testi delle
# licenze restano uguali in ogni lingua.

## Navigazione e cornice della pagina

nav-label = Principale
nav-models = Modelli
nav-profile = Profilo
nav-tokens = Token API
# identical to English on purpose
nav-audit = Audit
nav-statistics = Statistiche
nav-reviews = Verifiche
nav-admin = Amministrazione
nav-signed-in-as = Accesso effettuato come { $email }
nav-sign-out = Disconnettersi
nav-sign-in = Accedere
nav-create-account = Creare un account
footer-tagline = modelgate: distribuzione di modelli con licenza, attenta alle regioni.
language-switcher = Lingua

## Catalogo e pagine dei modelli

catalog-title = Modelli
catalog-signin-hint = Acceda per vedere quali modelli può ottenere.
catalog-empty = Non è ancora stato pubblicato alcun modello.
model-license-tag = licenza: { $license }
model-files-size = { $files ->
    [one] 1 file, { $size }
   *[other] { $files } file, { $size }
}
model-revision = Revisione
model-your-access = Il Suo accesso:
model-why = Motivo
model-rule = Regola
catalog-clause = Clausola regionale: { $clause }
catalog-no-clause = Nessuna clausola regionale della sua licenza si applica a questo modello.
catalog-clause-unknown = Il gateway non dispone di un pacchetto di licenza per la licenza di questo modello: il modello non è disponibile.
model-clause-cited = { $clause } ({ $license }, versione { $version })
model-review-case = Verifica di conformità
model-geo-country = Paese di provenienza apparente della Sua richiesta: { $country }.
model-get-links = Ottenere i link di download
model-request-review = Richiedere l'accesso (apre una verifica)
model-request-anyway = Richiedere comunque l'accesso (il rifiuto viene registrato)
model-license-version = versione { $version }
model-license-binding = La licenza e la Politica di utilizzo accettabile sono riportate così come pubblicate; quel testo è l'unico vincolante, e la traduzione di tutto ciò che lo circonda in questa pagina è fornita solo per comodità.
model-license = Licenza
model-aup = Politica di utilizzo accettabile
model-accepted = Ha accettato questa versione. Digest:
model-acceptance-proof = Scaricare la prova della Sua accettazione
model-acceptance-proof-hint = Una ricevuta del registro di audit, verificabile offline con
model-accepting-digest = Sta accettando i documenti con questo digest:
model-agree = Ho letto e accetto la licenza e la Politica di utilizzo accettabile
model-accept = Accettare la licenza
model-card = Scheda del modello
notice-accepted = Ha accettato la licenza.
notice-review = La Sua richiesta è stata inviata alla verifica di conformità; questa pagina ne mostra lo stato.

## Se il visitatore può ottenere un modello

availability-signin-label = Accesso richiesto
availability-signin-sentence = Acceda per sapere se può ottenere questo modello.
availability-attest-label = Dichiarare il domicilio
availability-attest-sentence = Dichiari il Suo domicilio nel profilo; i termini della licenza dipendono da esso.
availability-allow-label = Disponibile
availability-allow-sentence = Può scaricare questo modello.
availability-review-label = Verifica necessaria
availability-review-sentence = La Sua richiesta deve superare una verifica di conformità prima che il download sia consentito.
availability-accept-label = Accettare la licenza
availability-accept-sentence = Accetti la versione corrente della licenza e della Politica di utilizzo accettabile per scaricare questo modello.
availability-deny-label = Non disponibile per Lei
availability-deny-sentence = Non può scaricare questo modello.

## Download

downloads-title = Download di { $model }
downloads-allowance = Questi link sono validi fino a { $expires }, per un massimo di { $copies ->
    [one] 1 copia
   *[other] { $copies } copie
} di ciascun file per ogni periodo di pari durata, conteggiate in byte su tutti i Suoi link (un download interrotto conta solo per quanto ha ricevuto, quindi riprenderlo non comporta problemi).
# identical to English on purpose
downloads-file = File
downloads-size = Dimensione
downloads-left = Download rimanenti
downloads-decision-entry = La decisione che ha consentito questo download è la seguente voce del registro di audit:
downloads-decision-proof = Scaricare la prova di questa decisione
downloads-decision-proof-hint = Pronta entro un secondo; è verificabile offline con
downloads-terminal = Da un terminale
downloads-client = Il client modelgate controlla la firma, scarica in parallelo, riprende i download interrotti e verifica ogni file. Richiede un token API:
downloads-curl = Oppure un singolo file con curl (-C - riprende il download), confrontandone poi lo SHA-256 con la tabella:

## Pagine di errore

error-page-code = Codice di errore:
error-page-back = Tornare ai modelli
portal-csrf-failed = questo modulo è scaduto o proviene da un altro sito; ricarichi la pagina e riprovi
portal-sign-in-required = acceda per continuare
portal-internal = si è verificato un problema da parte nostra; l'errore è stato registrato
portal-form-unreadable = impossibile leggere il modulo: { $detail }
portal-tick-to-accept = selezioni la casella per accettare la licenza
proofs-no-acceptance = non ha ancora accettato alcuna licenza

## Profilo e dichiarazioni

profile-title = Il Suo profilo
profile-signed-in-as = Accesso effettuato come { $email } ({ $role }).
profile-saved = La Sua dichiarazione è stata registrata.
profile-current = Dichiarazione attuale
profile-legal-name = Nome legale
profile-domicile = Domicilio
profile-on-behalf-of = Per conto di
profile-principal-place = sede principale di attività: { $country }
profile-recorded = Registrata
profile-declare-first = Indichi il Suo domicilio prima di accettare una licenza: i termini della licenza dipendono da esso.
profile-change = Modificare la dichiarazione
profile-declare = Dichiarare il domicilio
profile-domicile-country = Paese di domicilio
profile-who-accepts = Chi accetta la licenza?
profile-as-individual = Io, in qualità di persona fisica
profile-as-organisation = Un'organizzazione per cui agisco
profile-organisation-name = Nome dell'organizzazione (se agisce per conto di una)
profile-organisation-country = Sede principale di attività dell'organizzazione
profile-history-hint = Una nuova dichiarazione sostituisce quella attuale; le precedenti vengono conservate come cronologia.
profile-save = Salvare la dichiarazione
profile-territories = Territori di utilizzo
profile-users = Utenti attivi mensili
profile-territories-question = Paesi in cui utilizzerà o implementerà i modelli (codici ISO, separati da virgole)
profile-territories-hint = Richiesto dalle licenze che limitano i luoghi in cui i loro modelli possono essere utilizzati: { $licenses }.
profile-users-question = Utenti attivi mensili dei Suoi prodotti e servizi
profile-users-hint = Richiesto dalle licenze che esigono un accordo separato oltre un certo numero di utenti attivi mensili: { $licenses }.
form-choose-band = Scegliere un intervallo
band-up-to-1m = Fino a 1 milione
band-up-to-10m = Da 1 a 10 milioni
band-up-to-100m = Da 10 a 100 milioni
band-up-to-700m = Da 100 a 700 milioni
band-up-to-1b = Da 700 milioni a 1 miliardo
band-over-1b = Più di 1 miliardo
form-choose-country = Scegliere un paese

## Registrazione, accesso e conferma dell'indirizzo

sign-up-title = Crei il Suo account
# identical to English on purpose
sign-email = Email
# identical to English on purpose
sign-password = Password
sign-password-hint = Almeno 12 caratteri.
sign-have-account = Ha già un account?
sign-new-here = Primo accesso?
signup-thanks = Grazie: { $next }.
signup-next-confirm-email = se l'indirizzo è nuovo, il suo account è stato creato e gli è stato inviato un link di conferma; segua il link, poi acceda
signup-next-sign-in = se l'indirizzo è nuovo, il suo account è stato creato; acceda
signup-verification-resent = se l'indirizzo appartiene a un account non ancora confermato, gli è stato inviato un nuovo link
verify-title = Confermi il Suo indirizzo email
verify-explanation = La conferma dimostra che questo indirizzo è Suo e imposta la password scelta al momento della registrazione; tutte le sessioni precedenti dell'account vengono chiuse.
verify-confirm = Confermo il mio indirizzo
verify-confirmed = Il Suo indirizzo email è confermato. Acceda per proseguire.

## Token API

tokens-intro = I token consentono alla CLI di modelgate, a curl e ai client Hugging Face di agire per Suo conto.
tokens-new = Il Suo nuovo token.
tokens-copy-now = Lo copi ora: non verrà mostrato di nuovo.
tokens-name = Nome
tokens-expires-after = Scadenza dopo (giorni)
tokens-scopes = Ambiti
tokens-scopes-hint = read: vedere i modelli e il proprio account; download: richiedere l'accesso e scaricare; accept: accettare le licenze.
tokens-create = Creare il token
tokens-yours = I Suoi token
tokens-none = Ancora nessun token.
tokens-created = Creato
tokens-expires = Scadenza
tokens-last-used = Ultimo utilizzo
tokens-actions = Azioni
tokens-never = mai
tokens-expiry-not-number = la scadenza deve essere un numero di giorni
state-revoked = revocato
action-revoke = Revoca

## Stati delle verifiche e delle decisioni

state-open = aperta
state-approved = approvata
state-denied = respinta
state-superseded = sostituita
state-all = tutte
state-allow = consentito
state-review = verifica
state-deny = negato

## Coda delle verifiche

reviews-title = Coda delle verifiche
reviews-showing = Visualizzazione:
reviews-case = Pratica
reviews-requested-by = Richiesta da
reviews-opened = Aperta
reviews-declared = Dichiarato
reviews-geo-country = Paese GeoIP
reviews-decided-by = Decisa da
reviews-note = Nota (obbligatoria)
reviews-approve = Approvare
reviews-deny = Respingere
reviews-none = Nessuna pratica qui.
reviews-declared-domicile = domicilio { $domicile }
reviews-declared-for = domicilio { $domicile }, per { $organisation } ({ $country })

## Registro di audit e statistiche

audit-title = Registro di audit
audit-verified = Registro verificato
audit-verification-failed = Verifica del registro NON RIUSCITA
audit-kind = Tipo di evento
audit-outcome = Esito
audit-model = Modello
audit-user = ID utente o email del personale
audit-country = Paese
audit-organisation = Organizzazione
# identical to English on purpose
audit-partner = Partner
audit-search = Ricerca
audit-export-csv = Esportare in CSV
audit-export-jsonl = Esportare in JSONL
audit-events = Eventi ({ $count })
audit-events-first = Eventi (primi { $count })
audit-time = Ora (UTC)
audit-actor = Autore
audit-subject = Oggetto
audit-details = Dettagli
audit-event = Evento { $seq }
audit-next-page = Pagina successiva
period-since = Dal
period-until = Al
stats-title = Statistiche delle decisioni
stats-show = Visualizzare
stats-open-cases = { $count ->
    [one] È aperta 1 pratica di verifica.
   *[other] Sono aperte { $count } pratiche di verifica.
}
stats-open-queue = Aprire la coda
stats-by-country = Decisioni per paese del licenziatario
stats-none = Nessuna decisione in questo periodo.
stats-chart-title = Decisioni di accesso per paese del licenziatario: consentite, inviate a verifica, negate
stats-by-country-model-outcome = Per paese, modello ed esito
stats-decisions = Decisioni

## Amministrazione

admin-title = Amministrazione
admin-licenses = Licenze
admin-partners = Partner
admin-models = Modelli e revisioni
admin-published = Pubblicato
admin-files = File
admin-no-models = Non è ancora stato pubblicato alcun modello. Per pubblicarne uno, usi
admin-license-published = Pubblicata il { $at } da { $by }
admin-shipped-bundle = il pacchetto fornito
admin-acceptances = Accettazioni ({ $count }) e revoche
# identical to English on purpose
admin-account = Account
admin-version = Versione
admin-accepted = Accettata
admin-licensee-country = Paese del licenziatario
admin-terminate = Risolvere la licenza
admin-reason = Motivo
admin-publish-license = Pubblicare una nuova versione della licenza
admin-license-id = ID licenza
admin-license-title = Titolo
admin-modalities = Modalità coperte
admin-license-text = Testo della licenza
admin-publish-hint = Tutti devono accettare la nuova versione prima del loro prossimo download.
admin-publish-version = Pubblicare la versione
admin-partner-name = Nome
admin-principal-place = Sede principale di attività
admin-contact = Contatto
admin-since = Dal
admin-add-partner = Aggiungere un partner
admin-contact-email = Email di contatto
admin-create-partner = Creare il partner
admin-license-published-notice = Pubblicata la versione { $version } di { $license } (sha256:{ $digest }).
admin-partner-created = Partner { $name } creato. Consegni subito questo token partner; non verrà mostrato di nuovo:

## Email

mail-verify-subject = Confermi il Suo indirizzo email per modelgate
mail-verify-body =
    Segua questo link per confermare che questo indirizzo è Suo:

    { $link }

    Il link funziona una sola volta, per { $hours } ore, e imposta la password scelta
    al momento della registrazione. Finché l'indirizzo non è confermato, l'account non
    può rilasciare dichiarazioni, accettare licenze né scaricare modelli protetti.
    Se non si è registrato, ignori questo messaggio.
mail-taken-subject = Qualcuno ha tentato di registrarsi con il Suo indirizzo
mail-taken-body =
    Qualcuno, forse Lei, ha chiesto di creare un account modelgate per questo indirizzo.
    Ne esiste già uno, quindi non è stato creato nulla. Acceda da { $signin }.
    Se non è stato Lei, può ignorare questo messaggio.

## Le regole che decidono (per id di regola; gli id delle regole non cambiano mai)

rule-reason-end-user-carve-out = gli utenti finali di un prodotto che incorpora il modello non sono soggetti alle restrizioni della clausola UE della licenza
rule-reason-eu-multimodal-withheld = la licenza non concede modelli multimodali alle persone fisiche domiciliate nell'UE né alle società che vi hanno la sede principale di attività
clause-llama-3-2-regional = Licenza Llama 3.2, sezione 4: Modelli multimodali e Unione europea
clause-llama-3-2-users = Licenza Llama 3.2, sezione 6: Servizi di dimensioni molto grandi
clause-llama-3-1-users = Licenza Llama 3.1, sezione 2: Termini commerciali aggiuntivi
clause-llama-4-regional = Licenza Llama 4, sezione 3: Modelli multimodali e Unione europea
clause-llama-4-users = Licenza Llama 4, sezione 2: Termini commerciali aggiuntivi
clause-hunyuan-regional = Licenza Hunyuan, sezione 3: Territori esclusi
clause-hunyuan-users = Licenza Hunyuan, sezione 2: Termini commerciali aggiuntivi
rule-reason-license-accepted = il licenziatario ha accettato la versione corrente della licenza e della Politica di utilizzo accettabile
rule-reason-license-acceptance-required = la versione corrente della licenza e della Politica di utilizzo accettabile non è stata accettata
rule-reason-partner-may-mirror = il partner ha accettato la licenza corrente e può distribuire questo modello
rule-reason-partner-only-partners-mirror = solo i partner possono creare mirror dei modelli
rule-reason-review-clause-region-location = la richiesta proviene da una località situata in una regione soggetta alle restrizioni della clausola della licenza e non indicata nella dichiarazione
rule-reason-review-european-location = la richiesta proviene da una località europea non specificata
rule-reason-review-anonymising-proxy = la richiesta passa attraverso un proxy di anonimizzazione
rule-reason-review-approved = il personale addetto alla conformità ha esaminato e approvato questo licenziatario per questo modello
rule-reason-review-denied = il personale addetto alla conformità ha esaminato e respinto questo licenziatario per questo modello
rule-reason-review-declaration-changed = il licenziatario ha modificato la propria dichiarazione (domicilio, organizzazione o relativo paese) dopo essere stato respinto da una verifica di conformità o mentre una verifica è aperta
rule-reason-review-pending = è aperta una verifica di conformità di questo licenziatario per questo modello
rule-reason-review-denied-for-another-model = il personale addetto alla conformità ha respinto questo licenziatario per un altro modello soggetto alle restrizioni di una clausola regionale
rule-reason-review-monthly-active-users = gli utenti attivi mensili dichiarati dal licenziatario possono superare il limite della licenza, oltre il quale è richiesto un accordo separato
rule-reason-license-terms-unknown = il gateway non dispone di un pacchetto di licenza per la licenza di questo modello, pertanto i suoi termini non possono essere fatti rispettare
rule-reason-declaration-territory-required = la licenza limita i luoghi in cui i suoi modelli possono essere utilizzati; dichiari i territori in cui utilizzerà o implementerà il modello
rule-reason-declaration-monthly-active-users-required = la licenza limita gli utenti attivi mensili dei prodotti dei licenziatari; dichiari i Suoi prima di ricevere i modelli soggetti a tale licenza
rule-reason-embargo-licensee = l'operatore non distribuisce modelli ai licenziatari domiciliati o stabiliti in un paese sottoposto a embargo, né a quelli che vi implementano modelli
rule-reason-embargo-location = la richiesta proviene da un paese sottoposto a embargo
rule-reason-eu-llama-4-withheld = la licenza non concede i suoi modelli alle persone fisiche domiciliate nell'UE né alle società che vi hanno la sede principale di attività
rule-reason-territory-hunyuan-excluded = la licenza non concede alcun diritto di utilizzare o implementare i suoi modelli nell'Unione europea, nel Regno Unito o in Corea del Sud
rule-reason-revocation-entitlement-revoked = la licenza del licenziatario è stata risolta

## Messaggi di errore dell'API (per codice di errore; i codici non cambiano mai)

error-bad-request = richiesta non valida: { $detail }
error-invalid-digest = digest non valido: { $detail }
error-invalid-model-id = ID modello non valido: { $detail }
error-model-not-found = modello `{ $model }` non trovato
error-revision-not-found = revisione `{ $revision }` non trovata
error-blob-not-found = blob `{ $blob }` non trovato
error-range-not-satisfiable = intervallo non soddisfacibile: { $detail }
error-payload-too-large = corpo della richiesta troppo grande
error-not-found = non trovato: { $detail }
error-unauthenticated = autenticazione richiesta: inviare `Authorization: Bearer <token>`
error-invalid-token = token non valido: { $detail }
error-invalid-credentials = email o password errata
error-forbidden = accesso vietato: { $detail }
error-too-many-attempts = troppi tentativi da questo indirizzo; riprovi tra { $seconds } secondi
error-email-taken = esiste già un account con questa email
error-email-not-verified = confermi prima il Suo indirizzo email: segua il link inviato a quell'indirizzo (POST /v1/auth/resend-verification ne invia un altro)
error-invalid-verification-link = questo link di verifica è sconosciuto, già utilizzato o scaduto; ne richieda uno nuovo
error-request-timeout = il corpo della richiesta non è arrivato in tempo
error-too-many-connections = troppe connessioni da questo indirizzo; riprovi più tardi
error-invalid-country = paese non valido: { $detail }
error-license-not-found = licenza `{ $license }` non trovata
error-stale-license-version = il digest inviato non corrisponde alla versione corrente di questa licenza; legga e accetti la versione `{ $version }` (digest { $digest })
error-license-terminated = la Sua licenza è stata risolta ({ $detail }); contatti l'editore
error-attestation-required = dichiari prima il Suo domicilio: PUT /v1/me/attestation
error-grant-required = questo blob richiede un'autorizzazione al download: POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access, quindi inviare `Modelgate-Grant: <token>` o `?grant=<token>`
error-invalid-grant = autorizzazione non valida: { $detail }
error-grant-expired = l'autorizzazione è scaduta; ne richieda una nuova con POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-grant-not-for-blob = l'autorizzazione non copre questo blob; le autorizzazioni danno accesso solo ai file della revisione del modello per cui sono state rilasciate
error-entitlement-revoked = il diritto su cui si basa questa autorizzazione è stato revocato: { $detail }
error-grant-outdated = i fatti su cui si basava la decisione per questa autorizzazione sono cambiati (una nuova dichiarazione, una nuova versione della licenza o un licenziatario senza un'accettazione corrente); richieda di nuovo l'accesso
error-location-changed = questa richiesta proviene da una località che richiede una verifica di conformità per questo modello ({ $reasons }); richieda di nuovo l'accesso con POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = a questo account sono già state servite { $limit } copie dei byte di questo blob nel periodo corrente (byte nuovi e ripresi allo stesso modo); riprovi al termine del periodo
error-access-denied = accesso negato: { $reason }
error-conflict = conflitto: { $detail }
error-audit-entry-pending = la voce di audit `{ $entry }` non è ancora in un checkpoint firmato; riprovi tra un secondo
error-database-unavailable = il database non è disponibile; riprovi a breve
error-store-unavailable = l'archivio dei blob non è disponibile; riprovi a breve
error-model-not-runnable = modello non eseguibile: { $detail }
error-invalid-image = immagine non valida: { $detail }
error-no-validation-vectors = questa revisione è stata pubblicata senza vettori di validazione; la pubblichi di nuovo con questo gateway per registrarli
error-prompt-too-long = il prompt contiene { $tokens } token; ne sono consentiti al massimo { $limit }
error-too-many-tokens = sono stati richiesti { $requested } nuovi token; ne sono consentiti al massimo { $limit }
error-inference-over-budget = il modello richiede circa { $needed } byte di memoria; il budget di inferenza di questo gateway è { $budget }
error-inference-busy = tutti gli slot di inferenza sono occupati; riprovi a breve
error-inference-account-busy = questo account ha già un'esecuzione di inferenza in attesa o in corso; una alla volta
error-inference-timeout = l'inferenza ha richiesto più di { $seconds } secondi ed è stata interrotta
error-inference-disabled = l'inferenza è disabilitata su questo gateway
error-internal = errore interno
