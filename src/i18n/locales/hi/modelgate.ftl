# modelgate के पोर्टल और API संदेश, हिन्दी (अंग्रेज़ी संदर्भ फ़ाइल से अनूदित)।
# Ids स्थिर हैं; नियम ids, त्रुटि कोड, स्कोप नाम और लाइसेंस पाठ हर भाषा में
# वैसे ही रहते हैं।

## नेविगेशन और पेज ढाँचा

nav-label = मुख्य
nav-models = मॉडल
nav-profile = प्रोफ़ाइल
nav-tokens = API टोकन
nav-audit = ऑडिट
nav-statistics = आँकड़े
nav-reviews = समीक्षाएँ
nav-admin = प्रशासन
nav-signed-in-as = { $email } के रूप में साइन इन
nav-sign-out = साइन आउट
nav-sign-in = साइन इन
nav-create-account = खाता बनाएँ
footer-tagline = modelgate: लाइसेंसयुक्त, क्षेत्र-सजग मॉडल वितरण।
language-switcher = भाषा

## कैटलॉग और मॉडल पेज

catalog-title = मॉडल
catalog-signin-hint = कौन-से मॉडल आप पा सकते हैं, यह देखने के लिए साइन इन करें।
catalog-empty = अभी कोई मॉडल प्रकाशित नहीं है।
model-license-tag = लाइसेंस: { $license }
model-files-size = { $files ->
    [one] { $files } फ़ाइल, { $size }
   *[other] { $files } फ़ाइलें, { $size }
}
model-revision = संशोधन
model-your-access = आपकी पहुँच:
model-why = कारण
model-rule = नियम
catalog-clause = क्षेत्रीय खंड: { $clause }
catalog-no-clause = इसके लाइसेंस का कोई भी क्षेत्रीय खंड इस मॉडल पर लागू नहीं होता।
catalog-clause-unknown = गेटवे के पास इस मॉडल के लाइसेंस के लिए कोई लाइसेंस पैक नहीं है: यह मॉडल उपलब्ध नहीं है।
model-clause-cited = { $clause } ({ $license }, संस्करण { $version })
model-review-case = अनुपालन समीक्षा
model-geo-country = आपका अनुरोध { $country } से आता प्रतीत होता है।
model-get-links = डाउनलोड लिंक पाएँ
model-request-review = पहुँच का अनुरोध करें (समीक्षा खुलेगी)
model-request-anyway = फिर भी पहुँच का अनुरोध करें (अस्वीकृति दर्ज की जाएगी)
model-license-version = संस्करण { $version }
model-license-binding = लाइसेंस और स्वीकार्य उपयोग नीति प्रकाशित रूप में ही दिखाए गए हैं; वही पाठ बाध्यकारी है, और इस पेज पर उसके आसपास की हर चीज़ का अनुवाद केवल आपकी सुविधा के लिए है।
model-license = लाइसेंस
model-aup = स्वीकार्य उपयोग नीति
model-accepted = आपने यह संस्करण स्वीकार किया है। डाइजेस्ट:
model-acceptance-proof = अपनी स्वीकृति का प्रमाण डाउनलोड करें
model-acceptance-proof-hint = ऑडिट लॉग की एक रसीद, जिसे ऑफ़लाइन इससे सत्यापित किया जा सकता है:
model-accepting-digest = आप इस डाइजेस्ट वाले दस्तावेज़ स्वीकार कर रहे हैं:
model-agree = मैंने लाइसेंस और स्वीकार्य उपयोग नीति पढ़ ली है और उन्हें स्वीकार करता/करती हूँ
model-accept = लाइसेंस स्वीकार करें
model-card = मॉडल कार्ड
notice-accepted = आपने लाइसेंस स्वीकार कर लिया है।
notice-review = आपका अनुरोध अनुपालन समीक्षा के लिए भेजा गया; यह पेज उसकी स्थिति दिखाता है।

## क्या आगंतुक मॉडल पा सकता है

availability-signin-label = साइन इन करें
availability-signin-sentence = यह जानने के लिए साइन इन करें कि क्या आप यह मॉडल पा सकते हैं।
availability-attest-label = अधिवास घोषित करें
availability-attest-sentence = अपनी प्रोफ़ाइल में घोषित करें कि आपका अधिवास कहाँ है; लाइसेंस की शर्तें इसी पर निर्भर करती हैं।
availability-allow-label = उपलब्ध
availability-allow-sentence = आप यह मॉडल डाउनलोड कर सकते हैं।
availability-review-label = समीक्षा आवश्यक
availability-review-sentence = डाउनलोड की अनुमति से पहले आपके अनुरोध की अनुपालन समीक्षा आवश्यक है।
availability-accept-label = लाइसेंस स्वीकार करें
availability-accept-sentence = यह मॉडल डाउनलोड करने के लिए वर्तमान लाइसेंस और स्वीकार्य उपयोग नीति स्वीकार करें।
availability-deny-label = आपके लिए उपलब्ध नहीं
availability-deny-sentence = आप यह मॉडल डाउनलोड नहीं कर सकते।

## डाउनलोड

downloads-title = { $model } डाउनलोड करें
downloads-allowance = ये लिंक { $expires } तक काम करते हैं, उतनी ही लंबी प्रत्येक अवधि में हर फ़ाइल की अधिकतम { $copies ->
    [one] { $copies } प्रति
   *[other] { $copies } प्रतियों
} तक, जिसकी गिनती आपके सभी लिंक पर बाइट्स में होती है (बाधित डाउनलोड में केवल उतना ही गिना जाता है जितना प्राप्त हुआ, इसलिए उसे फिर से शुरू करना ठीक है)।
downloads-file = फ़ाइल
downloads-size = आकार
downloads-left = शेष डाउनलोड
downloads-decision-entry = जिस निर्णय ने यह डाउनलोड अनुमत किया, वह ऑडिट लॉग की यह प्रविष्टि है:
downloads-decision-proof = इस निर्णय का प्रमाण डाउनलोड करें
downloads-decision-proof-hint = एक सेकंड में तैयार; इसे ऑफ़लाइन इससे सत्यापित किया जा सकता है:
downloads-terminal = टर्मिनल से
downloads-client = modelgate क्लाइंट हस्ताक्षर जाँचता है, समानांतर में डाउनलोड करता है, रुके डाउनलोड फिर से शुरू करता है और हर फ़ाइल सत्यापित करता है। इसके लिए API टोकन चाहिए:
downloads-curl = या curl से एक फ़ाइल (-C - फिर से शुरू करता है), फिर उसका SHA-256 तालिका से मिलाएँ:

## त्रुटि पेज

error-page-code = त्रुटि कोड:
error-page-back = मॉडलों पर वापस जाएँ
portal-csrf-failed = इस फ़ॉर्म की अवधि समाप्त हो गई या यह किसी अन्य साइट से आया; पेज फिर से लोड करके दोबारा प्रयास करें
portal-sign-in-required = जारी रखने के लिए साइन इन करें
portal-internal = हमारी ओर से कुछ गड़बड़ हुई; त्रुटि लॉग कर ली गई है
portal-form-unreadable = फ़ॉर्म पढ़ा नहीं जा सका: { $detail }
portal-tick-to-accept = लाइसेंस स्वीकार करने के लिए बॉक्स पर टिक करें
proofs-no-acceptance = आपने अभी तक कोई लाइसेंस स्वीकार नहीं किया है

## प्रोफ़ाइल और घोषणाएँ

profile-title = आपकी प्रोफ़ाइल
profile-signed-in-as = { $email } ({ $role }) के रूप में साइन इन।
profile-saved = आपकी घोषणा दर्ज कर ली गई।
profile-current = वर्तमान घोषणा
profile-legal-name = क़ानूनी नाम
profile-domicile = अधिवास
profile-on-behalf-of = की ओर से
profile-principal-place = व्यवसाय का प्रमुख स्थान: { $country }
profile-recorded = दर्ज किया गया
profile-declare-first = लाइसेंस स्वीकार करने से पहले बताएँ कि आपका अधिवास कहाँ है: लाइसेंस की शर्तें इसी पर निर्भर करती हैं।
profile-change = अपनी घोषणा बदलें
profile-declare = अपना अधिवास घोषित करें
profile-domicile-country = अधिवास का देश
profile-who-accepts = लाइसेंस कौन स्वीकार कर रहा है?
profile-as-individual = मैं स्वयं, एक व्यक्ति के रूप में
profile-as-organisation = एक संगठन, जिसकी ओर से मैं कार्य करता/करती हूँ
profile-organisation-name = संगठन का नाम (यदि किसी की ओर से कार्य कर रहे हैं)
profile-organisation-country = संगठन के व्यवसाय का प्रमुख स्थान
profile-history-hint = नई घोषणा वर्तमान घोषणा का स्थान लेती है; पिछली घोषणाएँ इतिहास के रूप में रखी जाती हैं।
profile-save = घोषणा सहेजें
profile-territories = उपयोग के क्षेत्र
profile-users = मासिक सक्रिय उपयोगकर्ता
profile-territories-question = वे देश जहाँ आप मॉडलों का उपयोग या परिनियोजन (डिप्लॉय) करेंगे (ISO कोड, अल्पविराम से अलग किए हुए)
profile-territories-hint = उन लाइसेंसों द्वारा पूछा जाता है जो यह प्रतिबंधित करते हैं कि उनके मॉडल कहाँ उपयोग किए जा सकते हैं: { $licenses }।
profile-users-question = आपके उत्पादों और सेवाओं के मासिक सक्रिय उपयोगकर्ता
profile-users-hint = उन लाइसेंसों द्वारा पूछा जाता है जिनमें मासिक सक्रिय उपयोगकर्ताओं की एक निश्चित संख्या से अधिक होने पर अलग अनुबंध आवश्यक है: { $licenses }।
form-choose-band = कोई श्रेणी चुनें
band-up-to-1m = 10 लाख तक
band-up-to-10m = 10 लाख से 1 करोड़
band-up-to-100m = 1 करोड़ से 10 करोड़
band-up-to-700m = 10 करोड़ से 70 करोड़
band-up-to-1b = 70 करोड़ से 1 अरब
band-over-1b = 1 अरब से अधिक
form-choose-country = देश चुनें

## साइन अप, साइन इन और पते की पुष्टि

sign-up-title = अपना खाता बनाएँ
sign-email = ईमेल
sign-password = पासवर्ड
sign-password-hint = कम से कम 12 वर्ण।
sign-have-account = क्या पहले से खाता है?
sign-new-here = यहाँ नए हैं?
signup-thanks = धन्यवाद: { $next }।
signup-next-confirm-email = यदि पता नया है, तो उसका खाता बना दिया गया है और उस पर पुष्टि लिंक भेजा गया है; लिंक खोलें, फिर साइन इन करें
signup-next-sign-in = यदि पता नया है, तो उसका खाता बना दिया गया है; साइन इन करें
signup-verification-resent = यदि इस पते का कोई ऐसा खाता है जिसका पता अभी पुष्ट नहीं हुआ है, तो उस पर एक नया लिंक भेजा गया है
verify-title = अपने ईमेल पते की पुष्टि करें
verify-explanation = पुष्टि करने से सिद्ध होता है कि यह पता आपका है, और साइन अप करते समय आपके चुने गए पासवर्ड को सेट करता है; खाते के सभी पिछले सत्र समाप्त हो जाते हैं।
verify-confirm = मेरे पते की पुष्टि करें
verify-confirmed = आपके ईमेल पते की पुष्टि हो गई है। आगे बढ़ने के लिए साइन इन करें।

## API टोकन

tokens-intro = टोकन की मदद से modelgate CLI, curl और Hugging Face क्लाइंट आपकी ओर से कार्य कर सकते हैं।
tokens-new = आपका नया टोकन।
tokens-copy-now = इसे अभी कॉपी करें: यह दोबारा नहीं दिखाया जाएगा।
tokens-name = नाम
tokens-expires-after = इतने दिनों बाद समाप्त
tokens-scopes = स्कोप
tokens-scopes-hint = read: मॉडल और अपना खाता देखें; download: पहुँच का अनुरोध करें और डाउनलोड करें; accept: लाइसेंस स्वीकार करें।
tokens-create = टोकन बनाएँ
tokens-yours = आपके टोकन
tokens-none = अभी कोई टोकन नहीं।
tokens-created = बनाया गया
tokens-expires = समाप्ति
tokens-last-used = अंतिम उपयोग
tokens-actions = कार्रवाइयाँ
tokens-never = कभी नहीं
tokens-expiry-not-number = समाप्ति दिनों की संख्या होनी चाहिए
state-revoked = रद्द
action-revoke = रद्द करें

## समीक्षाओं और निर्णयों की स्थितियाँ

state-open = खुला
state-approved = स्वीकृत
state-denied = अस्वीकृत
state-superseded = प्रतिस्थापित
state-all = सभी
state-allow = अनुमत
state-review = समीक्षा
state-deny = अस्वीकृत

## समीक्षा कतार

reviews-title = समीक्षा कतार
reviews-showing = दिखाया जा रहा है:
reviews-case = मामला
reviews-requested-by = अनुरोधकर्ता
reviews-opened = खोला गया
reviews-declared = घोषित
reviews-geo-country = GeoIP देश
reviews-decided-by = निर्णयकर्ता
reviews-note = टिप्पणी (आवश्यक)
reviews-approve = स्वीकृत करें
reviews-deny = अस्वीकार करें
reviews-none = यहाँ कोई मामला नहीं।
reviews-declared-domicile = अधिवास { $domicile }
reviews-declared-for = अधिवास { $domicile }, { $organisation } ({ $country }) की ओर से

## ऑडिट लॉग और आँकड़े

audit-title = ऑडिट लॉग
audit-verified = लॉग सत्यापित
audit-verification-failed = लॉग सत्यापन विफल
audit-kind = घटना का प्रकार
audit-outcome = परिणाम
audit-model = मॉडल
audit-user = उपयोगकर्ता id या स्टाफ़ ईमेल
audit-country = देश
audit-organisation = संगठन
audit-partner = पार्टनर
audit-search = खोजें
audit-export-csv = CSV निर्यात करें
audit-export-jsonl = JSONL निर्यात करें
audit-events = घटनाएँ ({ $count })
audit-events-first = घटनाएँ (पहली { $count })
audit-time = समय (UTC)
audit-actor = कर्ता
audit-subject = विषय
audit-details = विवरण
audit-event = घटना { $seq }
audit-next-page = अगला पेज
period-since = से
period-until = तक
stats-title = निर्णय आँकड़े
stats-show = दिखाएँ
stats-open-cases = { $count ->
    [one] { $count } समीक्षा मामला खुला है।
   *[other] { $count } समीक्षा मामले खुले हैं।
}
stats-open-queue = कतार खोलें
stats-by-country = लाइसेंसधारी के देश के अनुसार निर्णय
stats-none = इस अवधि में कोई निर्णय नहीं।
stats-chart-title = लाइसेंसधारी के देश के अनुसार पहुँच निर्णय: अनुमत, समीक्षा हेतु भेजे गए, अस्वीकृत
stats-by-country-model-outcome = देश, मॉडल और परिणाम के अनुसार
stats-decisions = निर्णय

## प्रशासन

admin-title = प्रशासन
admin-licenses = लाइसेंस
admin-partners = पार्टनर
admin-models = मॉडल और संशोधन
admin-published = प्रकाशित
admin-files = फ़ाइलें
admin-no-models = अभी कोई मॉडल प्रकाशित नहीं है। इससे एक प्रकाशित करें:
admin-license-published = { $at } को { $by } द्वारा प्रकाशित
admin-shipped-bundle = साथ आया बंडल
admin-acceptances = स्वीकृतियाँ ({ $count }) और निरसन
admin-account = खाता
admin-version = संस्करण
admin-accepted = स्वीकार किया
admin-licensee-country = लाइसेंसधारी का देश
admin-terminate = समाप्त करें
admin-reason = कारण
admin-publish-license = नया लाइसेंस संस्करण प्रकाशित करें
admin-license-id = लाइसेंस id
admin-license-title = शीर्षक
admin-modalities = इसमें शामिल मोडैलिटी
admin-license-text = लाइसेंस पाठ
admin-publish-hint = अगले डाउनलोड से पहले सभी को नया संस्करण स्वीकार करना होगा।
admin-publish-version = संस्करण प्रकाशित करें
admin-partner-name = नाम
admin-principal-place = व्यवसाय का प्रमुख स्थान
admin-contact = संपर्क
admin-since = से
admin-add-partner = पार्टनर जोड़ें
admin-contact-email = संपर्क ईमेल
admin-create-partner = पार्टनर बनाएँ
admin-license-published-notice = { $license } संस्करण { $version } प्रकाशित किया गया (sha256:{ $digest })।
admin-partner-created = पार्टनर { $name } बनाया गया। उन्हें यह पार्टनर टोकन अभी दें; यह दोबारा नहीं दिखाया जाएगा:

## ईमेल

mail-verify-subject = modelgate के लिए अपना ईमेल पता पुष्ट करें
mail-verify-body =
    यह पुष्ट करने के लिए कि यह पता आपका है, यह लिंक खोलें:

    { $link }

    यह लिंक एक ही बार, { $hours } घंटों तक काम करता है और साइन अप करते समय चुना गया
    पासवर्ड सेट करता है। पता पुष्ट होने तक यह खाता कोई घोषणा नहीं कर सकता, लाइसेंस
    स्वीकार नहीं कर सकता और संरक्षित मॉडल डाउनलोड नहीं कर सकता।
    यदि आपने साइन अप नहीं किया है, तो इस संदेश को अनदेखा करें।
mail-taken-subject = किसी ने आपके पते से साइन अप करने की कोशिश की
mail-taken-body =
    किसी ने, शायद आपने, इस पते के लिए modelgate खाता बनाने का अनुरोध किया।
    इसका खाता पहले से है, इसलिए कुछ नहीं बनाया गया। { $signin } पर साइन इन करें।
    यदि यह आप नहीं थे, तो आप इस संदेश को अनदेखा कर सकते हैं।

## निर्णय लेने वाले नियम (नियम id के अनुसार; नियम ids कभी नहीं बदलते)

rule-reason-end-user-carve-out = मॉडल को शामिल करने वाले उत्पाद के अंतिम उपयोगकर्ता लाइसेंस के EU खंड से प्रतिबंधित नहीं हैं
rule-reason-eu-multimodal-withheld = लाइसेंस EU में अधिवास वाले व्यक्तियों या वहाँ व्यवसाय का प्रमुख स्थान रखने वाली कंपनियों को मल्टीमोडल मॉडल प्रदान नहीं करता
clause-llama-3-2-regional = Llama 3.2 लाइसेंस, धारा 4: मल्टीमोडल मॉडल और यूरोपीय संघ
clause-llama-3-2-users = Llama 3.2 लाइसेंस, धारा 6: बहुत बड़ी सेवाएँ
clause-llama-3-1-users = Llama 3.1 लाइसेंस, धारा 2: अतिरिक्त वाणिज्यिक शर्तें
clause-llama-4-regional = Llama 4 लाइसेंस, धारा 3: मल्टीमोडल मॉडल और यूरोपीय संघ
clause-llama-4-users = Llama 4 लाइसेंस, धारा 2: अतिरिक्त वाणिज्यिक शर्तें
clause-hunyuan-regional = Hunyuan लाइसेंस, धारा 3: बहिष्कृत क्षेत्र
clause-hunyuan-users = Hunyuan लाइसेंस, धारा 2: अतिरिक्त वाणिज्यिक शर्तें
rule-reason-license-accepted = लाइसेंसधारी ने लाइसेंस और स्वीकार्य उपयोग नीति का वर्तमान संस्करण स्वीकार किया है
rule-reason-license-acceptance-required = लाइसेंस और स्वीकार्य उपयोग नीति का वर्तमान संस्करण स्वीकार नहीं किया गया है
rule-reason-partner-may-mirror = पार्टनर ने वर्तमान लाइसेंस स्वीकार किया है और वह इस मॉडल का वितरण कर सकता है
rule-reason-partner-only-partners-mirror = केवल पार्टनर ही मॉडल मिरर कर सकते हैं
rule-reason-review-clause-region-location = अनुरोध ऐसे क्षेत्र के किसी स्थान से आता है जिसे लाइसेंस का खंड प्रतिबंधित करता है और जिसका घोषणा में उल्लेख नहीं है
rule-reason-review-european-location = अनुरोध किसी अनिर्दिष्ट यूरोपीय स्थान से आता है
rule-reason-review-anonymising-proxy = अनुरोध किसी पहचान छिपाने वाले प्रॉक्सी से होकर आता है
rule-reason-review-approved = अनुपालन स्टाफ़ ने समीक्षा करके इस मॉडल के लिए इस लाइसेंसधारी को स्वीकृति दी
rule-reason-review-denied = अनुपालन स्टाफ़ ने समीक्षा करके इस मॉडल के लिए इस लाइसेंसधारी को अस्वीकार किया
rule-reason-review-declaration-changed = अनुपालन समीक्षा में अस्वीकार किए जाने के बाद या समीक्षा खुली रहते हुए लाइसेंसधारी ने अपनी घोषणा (अधिवास, संगठन या उसका देश) बदल दी
rule-reason-review-pending = इस मॉडल के लिए इस लाइसेंसधारी की अनुपालन समीक्षा खुली है
rule-reason-review-denied-for-another-model = अनुपालन स्टाफ़ ने इस लाइसेंसधारी को किसी ऐसे अन्य मॉडल के लिए अस्वीकार किया जिसे कोई क्षेत्रीय खंड प्रतिबंधित करता है
rule-reason-review-monthly-active-users = लाइसेंसधारी के घोषित मासिक सक्रिय उपयोगकर्ता लाइसेंस की उस सीमा से अधिक हो सकते हैं जिसके ऊपर अलग अनुबंध आवश्यक है
rule-reason-license-terms-unknown = गेटवे के पास इस मॉडल के लाइसेंस के लिए कोई लाइसेंस पैक नहीं है, इसलिए उसकी शर्तें लागू नहीं की जा सकतीं
rule-reason-declaration-territory-required = लाइसेंस यह प्रतिबंधित करता है कि उसके मॉडल कहाँ उपयोग किए जा सकते हैं; वे क्षेत्र घोषित करें जहाँ आप मॉडल का उपयोग या परिनियोजन करेंगे
rule-reason-declaration-monthly-active-users-required = लाइसेंस लाइसेंसधारियों के उत्पादों के मासिक सक्रिय उपयोगकर्ताओं को सीमित करता है; उसके मॉडल पाने से पहले अपने मासिक सक्रिय उपयोगकर्ता घोषित करें
rule-reason-embargo-licensee = ऑपरेटर उन लाइसेंसधारियों को मॉडल वितरित नहीं करता जिनका अधिवास एम्बार्गो के अधीन किसी देश में है, जो वहाँ स्थापित हैं या वहाँ मॉडलों का परिनियोजन करते हैं
rule-reason-embargo-location = अनुरोध एम्बार्गो के अधीन किसी देश से आता है
rule-reason-eu-llama-4-withheld = लाइसेंस EU में अधिवास वाले व्यक्तियों या वहाँ व्यवसाय का प्रमुख स्थान रखने वाली कंपनियों को अपने मॉडल प्रदान नहीं करता
rule-reason-territory-hunyuan-excluded = लाइसेंस यूरोपीय संघ, यूनाइटेड किंगडम या दक्षिण कोरिया में अपने मॉडलों का उपयोग या परिनियोजन करने का कोई अधिकार नहीं देता
rule-reason-revocation-entitlement-revoked = लाइसेंसधारी का लाइसेंस समाप्त कर दिया गया

## API त्रुटि संदेश (त्रुटि कोड के अनुसार; कोड कभी नहीं बदलते)

error-bad-request = अमान्य अनुरोध: { $detail }
error-invalid-digest = अमान्य डाइजेस्ट: { $detail }
error-invalid-model-id = अमान्य मॉडल id: { $detail }
error-model-not-found = मॉडल `{ $model }` नहीं मिला
error-revision-not-found = संशोधन `{ $revision }` नहीं मिला
error-blob-not-found = blob `{ $blob }` नहीं मिला
error-range-not-satisfiable = अनुरोधित रेंज पूरी नहीं की जा सकती: { $detail }
error-payload-too-large = अनुरोध का बॉडी बहुत बड़ा है
error-not-found = नहीं मिला: { $detail }
error-unauthenticated = प्रमाणीकरण आवश्यक है: `Authorization: Bearer <token>` भेजें
error-invalid-token = अमान्य टोकन: { $detail }
error-invalid-credentials = ईमेल या पासवर्ड ग़लत है
error-forbidden = निषिद्ध: { $detail }
error-too-many-attempts = इस पते से बहुत अधिक प्रयास; { $seconds } सेकंड बाद फिर प्रयास करें
error-email-taken = इस ईमेल वाला खाता पहले से मौजूद है
error-email-not-verified = पहले अपने ईमेल पते की पुष्टि करें: उस पर भेजा गया लिंक खोलें (POST /v1/auth/resend-verification दूसरा लिंक भेजता है)
error-invalid-verification-link = यह सत्यापन लिंक अज्ञात है, पहले ही उपयोग हो चुका है या समाप्त हो गया है; नया लिंक माँगें
error-request-timeout = अनुरोध का बॉडी समय पर नहीं पहुँचा
error-too-many-connections = इस पते से बहुत अधिक कनेक्शन; बाद में फिर प्रयास करें
error-invalid-country = अमान्य देश: { $detail }
error-license-not-found = लाइसेंस `{ $license }` नहीं मिला
error-stale-license-version = आपका भेजा गया डाइजेस्ट इस लाइसेंस का वर्तमान संस्करण नहीं है; संस्करण `{ $version }` (डाइजेस्ट { $digest }) पढ़ें और स्वीकार करें
error-license-terminated = आपका लाइसेंस समाप्त कर दिया गया ({ $detail }); प्रकाशक से संपर्क करें
error-attestation-required = पहले अपना अधिवास बताएँ: PUT /v1/me/attestation
error-grant-required = इस blob के लिए डाउनलोड अनुदान (grant) आवश्यक है: POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access, फिर `Modelgate-Grant: <token>` या `?grant=<token>` भेजें
error-invalid-grant = अमान्य अनुदान: { $detail }
error-grant-expired = अनुदान की अवधि समाप्त हो गई है; POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access पर नया अनुदान माँगें
error-grant-not-for-blob = यह अनुदान इस blob को शामिल नहीं करता; अनुदान केवल उसी मॉडल संशोधन की फ़ाइलें खोलते हैं जिसके लिए वे जारी किए गए थे
error-entitlement-revoked = इस अनुदान का आधार बना अधिकार रद्द कर दिया गया: { $detail }
error-grant-outdated = जिन तथ्यों पर यह अनुदान तय हुआ था वे बदल गए (नई घोषणा, नया लाइसेंस संस्करण, या वर्तमान स्वीकृति के बिना लाइसेंसधारी); फिर से पहुँच का अनुरोध करें
error-location-changed = यह अनुरोध ऐसे स्थान से आता है जिसके लिए इस मॉडल की अनुपालन समीक्षा आवश्यक है ({ $reasons }); POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access पर फिर से पहुँच का अनुरोध करें
error-download-limit-reached = वर्तमान अवधि में इस खाते को इस blob के बाइट्स की { $limit } प्रतियाँ दी जा चुकी हैं (नए और फिर से शुरू किए गए बाइट्स दोनों); अवधि समाप्त होने के बाद फिर अनुरोध करें
error-access-denied = पहुँच अस्वीकृत: { $reason }
error-conflict = विरोध: { $detail }
error-audit-entry-pending = ऑडिट प्रविष्टि `{ $entry }` अभी किसी हस्ताक्षरित चेकपॉइंट में नहीं है; एक सेकंड बाद फिर अनुरोध करें
error-database-unavailable = डेटाबेस उपलब्ध नहीं है; थोड़ी देर में फिर प्रयास करें
error-store-unavailable = blob स्टोर उपलब्ध नहीं है; थोड़ी देर में फिर प्रयास करें
error-model-not-runnable = मॉडल चलाया नहीं जा सकता: { $detail }
error-invalid-image = अमान्य छवि: { $detail }
error-no-validation-vectors = यह संशोधन सत्यापन वेक्टर के बिना प्रकाशित हुआ था; उन्हें दर्ज करने के लिए इसे इस गेटवे से फिर से प्रकाशित करें
error-prompt-too-long = प्रॉम्प्ट में { $tokens } टोकन हैं; अधिकतम { $limit } की अनुमति है
error-too-many-tokens = { $requested } नए टोकन माँगे गए; अधिकतम { $limit } की अनुमति है
error-inference-over-budget = मॉडल को लगभग { $needed } बाइट्स मेमोरी चाहिए; इस गेटवे का इन्फ़रेंस बजट { $budget } है
error-inference-busy = सभी इन्फ़रेंस स्लॉट व्यस्त हैं; थोड़ी देर में फिर प्रयास करें
error-inference-account-busy = इस खाते का एक इन्फ़रेंस रन पहले से प्रतीक्षा में है या चल रहा है; एक समय में एक ही
error-inference-timeout = इन्फ़रेंस में { $seconds } सेकंड से अधिक समय लगा और उसे रोक दिया गया
error-inference-disabled = इस गेटवे पर इन्फ़रेंस अक्षम है
error-internal = आंतरिक त्रुटि
