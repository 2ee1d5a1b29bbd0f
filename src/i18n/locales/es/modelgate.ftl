# Mensajes del portal y de la API de modelgate, en español (traducidos de la referencia
# en inglés). Los ids son estables; los ids de reglas, los códigos de error, los nombres
# de ámbitos y los textos de las licencias son los mismos en todos los idiomas.

## Navegación y marco de la página

nav-label = Principal
nav-models = Modelos
nav-profile = Perfil
nav-tokens = Tokens de API
nav-audit = Auditoría
nav-statistics = Estadísticas
nav-reviews = Revisiones
nav-admin = Administración
nav-signed-in-as = Sesión iniciada como { $email }
nav-sign-out = Cerrar sesión
nav-sign-in = Iniciar sesión
nav-create-account = Crear cuenta
footer-tagline = modelgate: distribución de modelos con licencia y según la región.
language-switcher = Idioma

## Catálogo y páginas de modelos

catalog-title = Modelos
catalog-signin-hint = Inicie sesión para ver qué modelos puede obtener.
catalog-empty = Aún no hay modelos publicados.
model-license-tag = licencia: { $license }
model-files-size = { $files ->
    [one] 1 archivo, { $size }
   *[other] { $files } archivos, { $size }
}
model-revision = Revisión
model-your-access = Su acceso:
model-why = Motivo
model-rule = Regla
catalog-clause = Cláusula regional: { $clause }
catalog-no-clause = Ninguna cláusula regional de su licencia afecta a este modelo.
catalog-clause-unknown = El gateway no tiene un paquete de licencia para la licencia de este modelo: el modelo no está disponible.
model-clause-cited = { $clause } ({ $license }, versión { $version })
model-review-case = Revisión de cumplimiento
model-geo-country = Su solicitud parece proceder de { $country }.
model-get-links = Obtener enlaces de descarga
model-request-review = Solicitar acceso (abre una revisión)
model-request-anyway = Solicitar acceso de todos modos (el rechazo queda registrado)
model-license-version = versión { $version }
model-license-binding = La licencia y la Política de uso aceptable se muestran tal como se publicaron; ese texto es el vinculante, y la traducción de todo lo demás en esta página se ofrece solo para su comodidad.
model-license = Licencia
model-aup = Política de uso aceptable
model-accepted = Usted aceptó esta versión. Resumen criptográfico:
model-acceptance-proof = Descargar la prueba de su aceptación
model-acceptance-proof-hint = Un comprobante del registro de auditoría que se verifica sin conexión con
model-accepting-digest = Está aceptando los documentos con este resumen criptográfico:
model-agree = He leído y acepto la licencia y la Política de uso aceptable
model-accept = Aceptar la licencia
model-card = Ficha del modelo
notice-accepted = Usted aceptó la licencia.
notice-review = Su solicitud se envió a revisión de cumplimiento; esta página muestra su estado.

## Si el visitante puede obtener un modelo

availability-signin-label = Iniciar sesión
availability-signin-sentence = Inicie sesión para ver si puede obtener este modelo.
availability-attest-label = Declarar domicilio
availability-attest-sentence = Declare en su perfil dónde tiene su domicilio; los términos de la licencia dependen de ello.
availability-allow-label = Disponible
availability-allow-sentence = Puede descargar este modelo.
availability-review-label = Requiere revisión
availability-review-sentence = Su solicitud requiere una revisión de cumplimiento antes de permitir la descarga.
availability-accept-label = Acepte la licencia
availability-accept-sentence = Acepte la licencia y la Política de uso aceptable vigentes para descargar este modelo.
availability-deny-label = No disponible para usted
availability-deny-sentence = No puede descargar este modelo.

## Descargas

downloads-title = Descargar { $model }
downloads-allowance = Estos enlaces funcionan hasta { $expires }, para un máximo de { $copies ->
    [one] 1 copia
   *[other] { $copies } copias
} de cada archivo por cada período de esa duración, contadas en bytes entre todos sus enlaces (una descarga interrumpida solo cuenta lo que recibió, así que puede reanudarla sin problema).
downloads-file = Archivo
downloads-size = Tamaño
downloads-left = Descargas restantes
downloads-decision-entry = La decisión que permitió esta descarga es esta entrada del registro de auditoría:
downloads-decision-proof = Descargar la prueba de esta decisión
downloads-decision-proof-hint = Lista en un segundo; se verifica sin conexión con
downloads-terminal = Desde una terminal
downloads-client = El cliente de modelgate comprueba la firma, descarga en paralelo, reanuda y verifica cada archivo. Necesita un token de API:
downloads-curl = O un solo archivo con curl (-C - reanuda); después compruebe su SHA-256 con la tabla:

## Páginas de error

error-page-code = Código de error:
error-page-back = Volver a los modelos
portal-csrf-failed = este formulario caducó o procede de otro sitio; recargue la página e inténtelo de nuevo
portal-sign-in-required = inicie sesión para continuar
portal-internal = algo salió mal por nuestra parte; el error quedó registrado
portal-form-unreadable = no se pudo leer el formulario: { $detail }
portal-tick-to-accept = marque la casilla para aceptar la licencia
proofs-no-acceptance = todavía no ha aceptado ninguna licencia

## Perfil y declaraciones

profile-title = Su perfil
profile-signed-in-as = Sesión iniciada como { $email } ({ $role }).
profile-saved = Su declaración quedó registrada.
profile-current = Declaración actual
profile-legal-name = Nombre legal
profile-domicile = Domicilio
profile-on-behalf-of = En nombre de
profile-principal-place = sede principal: { $country }
profile-recorded = Registrada
profile-declare-first = Indique dónde tiene su domicilio antes de aceptar una licencia: los términos de la licencia dependen de ello.
profile-change = Cambiar su declaración
profile-declare = Declarar su domicilio
profile-domicile-country = País de domicilio
profile-who-accepts = ¿Quién acepta la licencia?
profile-as-individual = Yo, como persona física
profile-as-organisation = Una organización en cuyo nombre actúo
profile-organisation-name = Nombre de la organización (si actúa en su nombre)
profile-organisation-country = Sede principal de la organización
profile-history-hint = Una nueva declaración sustituye a la actual; las anteriores se conservan como historial.
profile-save = Guardar declaración
profile-territories = Territorios de uso
profile-users = Usuarios activos mensuales
profile-territories-question = Países donde usará o desplegará los modelos (códigos ISO, separados por comas)
profile-territories-hint = Lo solicitan las licencias que restringen dónde pueden usarse sus modelos: { $licenses }.
profile-users-question = Usuarios activos mensuales de sus productos y servicios
profile-users-hint = Lo solicitan las licencias que exigen un acuerdo independiente por encima de cierto número de usuarios activos mensuales: { $licenses }.
form-choose-band = Elija un rango
band-up-to-1m = Hasta 1 millón
band-up-to-10m = De 1 a 10 millones
band-up-to-100m = De 10 a 100 millones
band-up-to-700m = De 100 a 700 millones
band-up-to-1b = De 700 millones a mil millones
band-over-1b = Más de mil millones
form-choose-country = Elija un país

## Registro, inicio de sesión y confirmación de la dirección

sign-up-title = Cree su cuenta
sign-email = Correo electrónico
sign-password = Contraseña
sign-password-hint = Al menos 12 caracteres.
sign-have-account = ¿Ya tiene una cuenta?
sign-new-here = ¿Es nuevo aquí?
signup-thanks = Gracias: { $next }.
signup-next-confirm-email = si la dirección es nueva, se creó su cuenta y se le envió un enlace de confirmación; siga el enlace y luego inicie sesión
signup-next-sign-in = si la dirección es nueva, se creó su cuenta; inicie sesión
signup-verification-resent = si la dirección tiene una cuenta cuya dirección aún no está confirmada, se le envió un nuevo enlace
verify-title = Confirme su dirección de correo electrónico
verify-explanation = La confirmación demuestra que esta dirección es suya y establece la contraseña que eligió al registrarse; todas las sesiones anteriores de la cuenta se cierran.
verify-confirm = Confirmar mi dirección
verify-confirmed = Su dirección de correo electrónico está confirmada. Inicie sesión para continuar.

## Tokens de API

tokens-intro = Los tokens permiten que la CLI de modelgate, curl y los clientes de Hugging Face actúen en su nombre.
tokens-new = Su nuevo token.
tokens-copy-now = Cópielo ahora: no se volverá a mostrar.
tokens-name = Nombre
tokens-expires-after = Caduca al cabo de (días)
tokens-scopes = Ámbitos
tokens-scopes-hint = read: ver los modelos y su cuenta; download: solicitar acceso y descargar; accept: aceptar licencias.
tokens-create = Crear token
tokens-yours = Sus tokens
tokens-none = Aún no hay tokens.
tokens-created = Creado
tokens-expires = Caduca
tokens-last-used = Último uso
tokens-actions = Acciones
tokens-never = nunca
tokens-expiry-not-number = la caducidad debe ser un número de días
state-revoked = revocado
action-revoke = Revocar

## Estados de revisiones y decisiones

state-open = abierta
state-approved = aprobada
state-denied = denegada
state-superseded = sustituida
state-all = todas
state-allow = permitido
state-review = revisión
state-deny = denegado

## Cola de revisiones

reviews-title = Cola de revisiones
reviews-showing = Mostrando:
reviews-case = Caso
reviews-requested-by = Solicitado por
reviews-opened = Abierto
reviews-declared = Declarado
reviews-geo-country = País según GeoIP
reviews-decided-by = Decidido por
reviews-note = Nota (obligatoria)
reviews-approve = Aprobar
reviews-deny = Denegar
reviews-none = No hay casos aquí.
reviews-declared-domicile = domicilio { $domicile }
reviews-declared-for = domicilio { $domicile }, en nombre de { $organisation } ({ $country })

## Registro de auditoría y estadísticas

audit-title = Registro de auditoría
audit-verified = Registro verificado
audit-verification-failed = La verificación del registro FALLÓ
audit-kind = Tipo de evento
audit-outcome = Resultado
audit-model = Modelo
audit-user = Id de usuario o correo del personal
audit-country = País
audit-organisation = Organización
audit-partner = Socio
audit-search = Buscar
audit-export-csv = Exportar CSV
audit-export-jsonl = Exportar JSONL
audit-events = Eventos ({ $count })
audit-events-first = Eventos (primeros { $count })
audit-time = Hora (UTC)
audit-actor = Autor
audit-subject = Sujeto
audit-details = Detalles
audit-event = Evento { $seq }
audit-next-page = Página siguiente
period-since = Desde
period-until = Hasta
stats-title = Estadísticas de decisiones
stats-show = Mostrar
stats-open-cases = { $count ->
    [one] Hay 1 caso de revisión abierto.
   *[other] Hay { $count } casos de revisión abiertos.
}
stats-open-queue = Abrir la cola
stats-by-country = Decisiones por país del licenciatario
stats-none = No hay decisiones en este período.
stats-chart-title = Decisiones de acceso por país del licenciatario: permitidas, enviadas a revisión, denegadas
stats-by-country-model-outcome = Por país, modelo y resultado
stats-decisions = Decisiones

## Administración

admin-title = Administración
admin-licenses = Licencias
admin-partners = Socios
admin-models = Modelos y revisiones
admin-published = Publicado
admin-files = Archivos
admin-no-models = Aún no hay modelos publicados. Publique uno con
admin-license-published = Publicada el { $at } por { $by }
admin-shipped-bundle = el paquete incluido
admin-acceptances = Aceptaciones ({ $count }) y revocaciones
admin-account = Cuenta
admin-version = Versión
admin-accepted = Aceptada
admin-licensee-country = País del licenciatario
admin-terminate = Rescindir
admin-reason = Motivo
admin-publish-license = Publicar una nueva versión de la licencia
admin-license-id = Id de la licencia
admin-license-title = Título
admin-modalities = Modalidades que cubre
admin-license-text = Texto de la licencia
admin-publish-hint = Todos deberán aceptar la nueva versión antes de su próxima descarga.
admin-publish-version = Publicar versión
admin-partner-name = Nombre
admin-principal-place = Sede principal
admin-contact = Contacto
admin-since = Desde
admin-add-partner = Añadir un socio
admin-contact-email = Correo de contacto
admin-create-partner = Crear socio
admin-license-published-notice = Se publicó { $license } versión { $version } (sha256:{ $digest }).
admin-partner-created = Se creó el socio { $name }. Entréguele ahora este token de socio; no se volverá a mostrar:

## Correos

mail-verify-subject = Confirme su dirección de correo para modelgate
mail-verify-body =
    Siga este enlace para confirmar que esta dirección es suya:

    { $link }

    El enlace funciona una sola vez, durante { $hours } horas, y establece la contraseña
    elegida al registrarse. Mientras la dirección no esté confirmada, la cuenta no puede
    hacer declaraciones, aceptar licencias ni descargar modelos protegidos.
    Si usted no se registró, ignore este mensaje.
mail-taken-subject = Alguien intentó registrarse con su dirección
mail-taken-body =
    Alguien, quizá usted, pidió crear una cuenta de modelgate para esta dirección.
    Ya tiene una, así que no se creó nada. Inicie sesión en { $signin }.
    Si no fue usted, puede ignorar este mensaje.

## Las reglas que deciden (por id de regla; los ids de reglas nunca cambian)

rule-reason-end-user-carve-out = los usuarios finales de un producto que incorpora el modelo no están restringidos por la cláusula de la licencia sobre la UE
rule-reason-eu-multimodal-withheld = la licencia no concede modelos multimodales a personas físicas domiciliadas en la UE ni a empresas con su sede principal allí
clause-llama-3-2-regional = Licencia de Llama 3.2, sección 4: Modelos multimodales y la Unión Europea
clause-llama-3-2-users = Licencia de Llama 3.2, sección 6: Servicios de muy gran tamaño
clause-llama-3-1-users = Licencia de Llama 3.1, sección 2: Términos comerciales adicionales
clause-llama-4-regional = Licencia de Llama 4, sección 3: Modelos multimodales y la Unión Europea
clause-llama-4-users = Licencia de Llama 4, sección 2: Términos comerciales adicionales
clause-hunyuan-regional = Licencia de Hunyuan, sección 3: Territorios excluidos
clause-hunyuan-users = Licencia de Hunyuan, sección 2: Términos comerciales adicionales
rule-reason-license-accepted = el licenciatario aceptó la versión vigente de la licencia y de la Política de uso aceptable
rule-reason-license-acceptance-required = no se ha aceptado la versión vigente de la licencia y de la Política de uso aceptable
rule-reason-partner-may-mirror = el socio aceptó la licencia vigente y puede distribuir este modelo
rule-reason-partner-only-partners-mirror = solo los socios pueden replicar modelos
rule-reason-review-clause-region-location = la solicitud procede de una ubicación situada en una región restringida por la cláusula de la licencia y no mencionada en la declaración
rule-reason-review-european-location = la solicitud procede de una ubicación europea no especificada
rule-reason-review-anonymising-proxy = la solicitud llega a través de un proxy de anonimización
rule-reason-review-approved = el personal de cumplimiento revisó y aprobó a este licenciatario para este modelo
rule-reason-review-denied = el personal de cumplimiento revisó y denegó a este licenciatario para este modelo
rule-reason-review-declaration-changed = el licenciatario cambió su declaración (domicilio, organización o su país) después de que una revisión de cumplimiento lo denegara o mientras hay una revisión abierta
rule-reason-review-pending = hay abierta una revisión de cumplimiento de este licenciatario para este modelo
rule-reason-review-denied-for-another-model = el personal de cumplimiento denegó a este licenciatario otro modelo restringido por una cláusula regional
rule-reason-review-monthly-active-users = los usuarios activos mensuales declarados por el licenciatario pueden superar el límite de la licencia, por encima del cual se requiere un acuerdo independiente
rule-reason-license-terms-unknown = el gateway no tiene un paquete de licencia para la licencia de este modelo, por lo que sus términos no pueden hacerse cumplir
rule-reason-declaration-territory-required = la licencia restringe dónde pueden usarse sus modelos; declare los territorios donde usará o desplegará el modelo
rule-reason-declaration-monthly-active-users-required = la licencia limita los usuarios activos mensuales de los productos de los licenciatarios; declare los suyos antes de recibir los modelos sujetos a ella
rule-reason-embargo-licensee = el operador no distribuye modelos a licenciatarios domiciliados o establecidos en un país sometido a embargo, ni a los que despliegan modelos en él
rule-reason-embargo-location = la solicitud procede de un país sometido a embargo
rule-reason-eu-llama-4-withheld = la licencia no concede sus modelos a personas físicas domiciliadas en la UE ni a empresas con su sede principal allí
rule-reason-territory-hunyuan-excluded = la licencia no concede ningún derecho a usar o desplegar sus modelos en la Unión Europea, el Reino Unido ni Corea del Sur
rule-reason-revocation-entitlement-revoked = se rescindió la licencia del licenciatario

## Mensajes de error de la API (por código de error; los códigos nunca cambian)

error-bad-request = solicitud no válida: { $detail }
error-invalid-digest = resumen criptográfico no válido: { $detail }
error-invalid-model-id = id de modelo no válido: { $detail }
error-model-not-found = no se encontró el modelo `{ $model }`
error-revision-not-found = no se encontró la revisión `{ $revision }`
error-blob-not-found = no se encontró el blob `{ $blob }`
error-range-not-satisfiable = rango no satisfacible: { $detail }
error-payload-too-large = el cuerpo de la solicitud es demasiado grande
error-not-found = no encontrado: { $detail }
error-unauthenticated = se requiere autenticación: envíe `Authorization: Bearer <token>`
error-invalid-token = token no válido: { $detail }
error-invalid-credentials = el correo electrónico o la contraseña son incorrectos
error-forbidden = prohibido: { $detail }
error-too-many-attempts = demasiados intentos desde esta dirección; vuelva a intentarlo dentro de { $seconds } segundos
error-email-taken = ya existe una cuenta con este correo electrónico
error-email-not-verified = confirme primero su dirección de correo electrónico: siga el enlace que se le envió (POST /v1/auth/resend-verification envía otro)
error-invalid-verification-link = este enlace de verificación es desconocido, ya se usó o caducó; solicite uno nuevo
error-request-timeout = el cuerpo de la solicitud no llegó a tiempo
error-too-many-connections = demasiadas conexiones desde esta dirección; vuelva a intentarlo más tarde
error-invalid-country = país no válido: { $detail }
error-license-not-found = no se encontró la licencia `{ $license }`
error-stale-license-version = el resumen criptográfico que envió no corresponde a la versión vigente de esta licencia; lea y acepte la versión `{ $version }` (resumen { $digest })
error-license-terminated = su licencia fue rescindida ({ $detail }); póngase en contacto con el editor
error-attestation-required = indique primero su domicilio: PUT /v1/me/attestation
error-grant-required = este blob requiere una autorización de descarga: POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access, y después envíe `Modelgate-Grant: <token>` o `?grant=<token>`
error-invalid-grant = autorización no válida: { $detail }
error-grant-expired = la autorización caducó; solicite una nueva en POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-grant-not-for-blob = la autorización no cubre este blob; las autorizaciones solo abren los archivos de la revisión del modelo para la que se emitieron
error-entitlement-revoked = se revocó el derecho en que se basa esta autorización: { $detail }
error-grant-outdated = cambiaron los hechos con los que se decidió esta autorización (una nueva declaración, una nueva versión de la licencia o un licenciatario sin aceptación vigente); solicite acceso de nuevo
error-location-changed = esta solicitud procede de una ubicación que requiere una revisión de cumplimiento para este modelo ({ $reasons }); solicite acceso de nuevo en POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = esta cuenta ya ha recibido { $limit } copias de los bytes de este blob en el período actual (tanto bytes nuevos como reanudados); vuelva a solicitarlo cuando termine el período
error-access-denied = acceso denegado: { $reason }
error-conflict = conflicto: { $detail }
error-audit-entry-pending = la entrada de auditoría `{ $entry }` aún no está en un punto de control firmado; vuelva a solicitarla en un segundo
error-database-unavailable = la base de datos no está disponible; vuelva a intentarlo en breve
error-store-unavailable = el almacén de blobs no está disponible; vuelva a intentarlo en breve
error-model-not-runnable = no se puede ejecutar el modelo: { $detail }
error-invalid-image = imagen no válida: { $detail }
error-no-validation-vectors = esta revisión se publicó sin vectores de validación; vuelva a publicarla con este gateway para registrarlos
error-prompt-too-long = el prompt tiene { $tokens } tokens; se permiten como máximo { $limit }
error-too-many-tokens = se solicitaron { $requested } tokens nuevos; se permiten como máximo { $limit }
error-inference-over-budget = el modelo necesita unos { $needed } bytes de memoria; el presupuesto de inferencia de este gateway es { $budget }
error-inference-busy = todas las ranuras de inferencia están ocupadas; vuelva a intentarlo en breve
error-inference-account-busy = esta cuenta ya tiene una inferencia en espera o en ejecución; solo una a la vez
error-inference-timeout = la inferencia tardó más de { $seconds } segundos y se detuvo
error-inference-disabled = la inferencia está desactivada en este gateway
error-internal = error interno
