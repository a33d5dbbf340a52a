# Generated from forms/login_dialog.ui by anquan_desk.ui.build_forms — do not edit.
# ruff: noqa
# mypy: ignore-errors
from typing import Any
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'login_dialog.ui'
##
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDialog, QDialogButtonBox,
    QFormLayout, QLabel, QLineEdit, QSizePolicy,
    QVBoxLayout, QWidget)

class Ui_LoginDialog(object):
    def setupUi(self, LoginDialog: Any) -> None:
        if not LoginDialog.objectName():
            LoginDialog.setObjectName(u"LoginDialog")
        LoginDialog.resize(380, 230)
        self.verticalLayout = QVBoxLayout(LoginDialog)
        self.verticalLayout.setObjectName(u"verticalLayout")
        self.titleLabel = QLabel(LoginDialog)
        self.titleLabel.setObjectName(u"titleLabel")
        self.titleLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.verticalLayout.addWidget(self.titleLabel)

        self.townshipLabel = QLabel(LoginDialog)
        self.townshipLabel.setObjectName(u"townshipLabel")
        self.townshipLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.verticalLayout.addWidget(self.townshipLabel)

        self.formLayout = QFormLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.usernameLabel = QLabel(LoginDialog)
        self.usernameLabel.setObjectName(u"usernameLabel")

        self.formLayout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.usernameLabel)

        self.usernameEdit = QLineEdit(LoginDialog)
        self.usernameEdit.setObjectName(u"usernameEdit")

        self.formLayout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.usernameEdit)

        self.passwordLabel = QLabel(LoginDialog)
        self.passwordLabel.setObjectName(u"passwordLabel")

        self.formLayout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.passwordLabel)

        self.passwordEdit = QLineEdit(LoginDialog)
        self.passwordEdit.setObjectName(u"passwordEdit")
        self.passwordEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.formLayout.setWidget(1, QFormLayout.ItemRole.FieldRole, self.passwordEdit)


        self.verticalLayout.addLayout(self.formLayout)

        self.hintLabel = QLabel(LoginDialog)
        self.hintLabel.setObjectName(u"hintLabel")
        self.hintLabel.setWordWrap(True)

        self.verticalLayout.addWidget(self.hintLabel)

        self.errorLabel = QLabel(LoginDialog)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setWordWrap(True)

        self.verticalLayout.addWidget(self.errorLabel)

        self.buttonBox = QDialogButtonBox(LoginDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.verticalLayout.addWidget(self.buttonBox)

#if QT_CONFIG(shortcut)
        self.usernameLabel.setBuddy(self.usernameEdit)
        self.passwordLabel.setBuddy(self.passwordEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(LoginDialog)
    # setupUi

    def retranslateUi(self, LoginDialog: Any) -> None:
        LoginDialog.setWindowTitle(QCoreApplication.translate("LoginDialog", u"\u767b\u5f55 \u2014 \u5b89\u5168\u68c0\u67e5\u5de5\u4f5c\u53f0", None))
        self.titleLabel.setText(QCoreApplication.translate("LoginDialog", u"\u5b89\u5168\u68c0\u67e5\u5de5\u4f5c\u53f0", None))
        self.usernameLabel.setText(QCoreApplication.translate("LoginDialog", u"\u7528\u6237\u540d\uff1a", None))
        self.passwordLabel.setText(QCoreApplication.translate("LoginDialog", u"\u5bc6\u7801\uff1a", None))
        self.errorLabel.setStyleSheet(QCoreApplication.translate("LoginDialog", u"color: #c0392b;", None))
    # retranslateUi

